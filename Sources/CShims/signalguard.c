#define _GNU_SOURCE
#include "signalguard.h"

#include <signal.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

enum { MAPPINGS = 64, TEMPS = 16, NAME = 512 };

// Slots are claimed with atomic compare-and-swap on `used`; a handler reads them as they are.
struct mapping {
    int used;
    uintptr_t start, end;
    char name[NAME];
};
struct temp {
    int used;
    char path[NAME];
};
static struct mapping mappings[MAPPINGS];
static struct temp temps[TEMPS];

static void copy(char *dst, const char *src) {
    size_t n = strlen(src);
    if (n >= NAME) n = NAME - 1;
    memcpy(dst, src, n);
    dst[n] = 0;
}

void po_guard_mapping(const void *start, size_t size, const char *name) {
    for (int i = 0; i < MAPPINGS; i++) {
        int expected = 0;
        if (__atomic_compare_exchange_n(&mappings[i].used, &expected, -1, 0, __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE)) {
            mappings[i].start = (uintptr_t)start;
            mappings[i].end = (uintptr_t)start + size;
            copy(mappings[i].name, name);
            __atomic_store_n(&mappings[i].used, 1, __ATOMIC_RELEASE);
            return;
        }
    }
}

void po_unguard_mapping(const void *start) {
    for (int i = 0; i < MAPPINGS; i++) {
        if (__atomic_load_n(&mappings[i].used, __ATOMIC_ACQUIRE) == 1 && mappings[i].start == (uintptr_t)start) {
            __atomic_store_n(&mappings[i].used, 0, __ATOMIC_RELEASE);
            return;
        }
    }
}

void po_guard_temp(const char *path) {
    for (int i = 0; i < TEMPS; i++) {
        int expected = 0;
        if (__atomic_compare_exchange_n(&temps[i].used, &expected, -1, 0, __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE)) {
            copy(temps[i].path, path);
            __atomic_store_n(&temps[i].used, 1, __ATOMIC_RELEASE);
            return;
        }
    }
}

void po_unguard_temp(const char *path) {
    for (int i = 0; i < TEMPS; i++) {
        if (__atomic_load_n(&temps[i].used, __ATOMIC_ACQUIRE) == 1 && strcmp(temps[i].path, path) == 0) {
            __atomic_store_n(&temps[i].used, 0, __ATOMIC_RELEASE);
            return;
        }
    }
}

static void remove_temps(void) {
    for (int i = 0; i < TEMPS; i++) {
        if (__atomic_load_n(&temps[i].used, __ATOMIC_ACQUIRE) == 1) unlink(temps[i].path);
    }
}

static void say(const char *s) {
    size_t n = strlen(s);
    while (n > 0) {
        ssize_t w = write(2, s, n);
        if (w <= 0) return;
        s += w;
        n -= (size_t)w;
    }
}

static void on_signal(int sig, siginfo_t *info, void *context) {
    (void)context;
    if (sig == SIGBUS) {
        uintptr_t a = (uintptr_t)info->si_addr;
        for (int i = 0; i < MAPPINGS; i++) {
            if (__atomic_load_n(&mappings[i].used, __ATOMIC_ACQUIRE) == 1 && a >= mappings[i].start && a < mappings[i].end) {
                say("page-owner-sort: ");
                say(mappings[i].name);
                say(": input changed while reading (the file was truncated or replaced)\n");
                remove_temps();
                _exit(2);
            }
        }
        // Not one of ours: die of it as before, without leaving a temporary file.
        remove_temps();
        signal(SIGBUS, SIG_DFL);
        raise(SIGBUS);
        return;
    }
    remove_temps();
    _exit(128 + sig);
}

void po_install_signal_guards(void) {
    static int installed = 0;
    if (__atomic_exchange_n(&installed, 1, __ATOMIC_ACQ_REL)) return;
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_sigaction = on_signal;
    sa.sa_flags = SA_SIGINFO;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGBUS, &sa, NULL);
    // An ignored SIGINT (a background job of a non-interactive shell) stays ignored.
    struct sigaction old;
    if (sigaction(SIGINT, NULL, &old) == 0 && old.sa_handler != SIG_IGN) sigaction(SIGINT, &sa, NULL);
    if (sigaction(SIGTERM, NULL, &old) == 0 && old.sa_handler != SIG_IGN) sigaction(SIGTERM, &sa, NULL);
}

// The stop flag of `record` and `top` (po_install_stop_handlers): set by the handler, read by
// their loops on any thread, as an atomic so the read is never cached or torn.
static int stop_flag;

static void on_stop(int sig) {
    (void)sig;
    __atomic_store_n(&stop_flag, 1, __ATOMIC_RELAXED);
}

void po_install_stop_handlers(void) {
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_stop;
    sigemptyset(&sa.sa_mask);
    sa.sa_flags = 0;
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
}

int po_stop_requested(void) { return __atomic_load_n(&stop_flag, __ATOMIC_RELAXED); }
