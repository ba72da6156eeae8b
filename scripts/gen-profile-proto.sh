#!/usr/bin/env bash
# Regenerates Sources/PageOwnerKit/Output/Profile/profile.pb.swift from proto/profile.proto
# (pprof's profile format). Run it only after editing the .proto; the generated file is
# committed, so the package build needs neither protoc nor the plugin.
#
# Needs Debian's protobuf-compiler (protoc) and swift-protobuf's protoc-gen-swift of the
# version Package.swift depends on, built once outside this repository:
#   git clone https://github.com/apple/swift-protobuf /tmp/swift-protobuf
#   cd /tmp/swift-protobuf && git checkout 1.39.0
#   swift build -c release --product protoc-gen-swift      # ~2-10 minutes
# then run this script (PROTOC_GEN_SWIFT=path overrides where the plugin is looked for).
set -euo pipefail
cd "$(dirname "$0")/.."
plugin=${PROTOC_GEN_SWIFT:-/tmp/swift-protobuf/.build/release/protoc-gen-swift}
if [ ! -x "$plugin" ]; then
  echo "gen-profile-proto.sh: no protoc-gen-swift at $plugin (see the comment at the top of this script)" >&2
  exit 1
fi
command -v protoc >/dev/null || { echo "gen-profile-proto.sh: protoc not found (apt-get install protobuf-compiler)" >&2; exit 1; }
protoc --plugin=protoc-gen-swift="$plugin" --proto_path=proto \
  --swift_opt=Visibility=Internal --swift_out=Sources/PageOwnerKit/Output/Profile profile.proto
echo "wrote Sources/PageOwnerKit/Output/Profile/profile.pb.swift"
