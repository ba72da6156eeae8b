# Sourced by compare-outputs.sh and compare-vmcore-outputs.sh (BIN and OUT set):
# run NAME ARGS… writes BIN's stdout to OUT/NAME.out, its stderr and exit status to OUT/NAME.err.
run() {
  local name=$1
  shift
  "$BIN" "$@" >"$OUT/$name.out" 2>"$OUT/$name.err"
  echo "exit $?" >>"$OUT/$name.err"
}
