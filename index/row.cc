#include "index/row.h"

namespace logdex::index {

std::string_view SourceName(Source s) {
  switch (s) {
    case Source::kPi: return "pi";
    case Source::kCodex: return "codex";
    case Source::kClaude: return "claude";
    case Source::kJsonl: return "jsonl";
  }
  return "jsonl";
}

std::string_view FrameErrorName(FrameError e) {
  switch (e) {
    case FrameError::kNone: return "";
    case FrameError::kJson: return "json";
    case FrameError::kOversized: return "oversized";
    case FrameError::kSchema: return "schema";
    case FrameError::kPayloadHash: return "payload_hash";
    case FrameError::kPayloadBytes: return "payload_bytes";
  }
  return "json";
}

}  // namespace logdex::index
