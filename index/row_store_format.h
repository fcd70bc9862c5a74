// Constants of the encoded row format held in memory and, inside runs, in the
// persisted cache. The grammar and a worked example are in
// row_store_format.md; row_store.cc is the only encoder and decoder.
#ifndef LOGDEX_INDEX_ROW_STORE_FORMAT_H_
#define LOGDEX_INDEX_ROW_STORE_FORMAT_H_

#include <cstdint>
#include <string_view>

namespace logdex::index::row_format {

// String slots of an active row, in row order.
enum Slot { kType = 0, kId = 1, kParent = 2, kSession = 3, kTime = 4, kSlots = 5 };

// How one slot's value is stored (3 bits each in the row's tag word).
enum Tag : uint8_t {
  kAbsent = 0,
  kSameAsPrevious = 1,  // the previous row's value in this slot
  kPreviousId = 2,      // the previous row's entryId (parent slot)
  kLiteral = 3,         // varint length, bytes
  kUuid = 4,            // lowercase 8-4-4-4-12 hex UUID as 16 bytes
  kTimestamp = 5,       // YYYY-MM-DDTHH:MM:SS.mmmZ as its 17 digits, u64 LE
  kHex8 = 6,            // 8 lowercase hex digits as u32 LE
};
inline constexpr int kTagBits = 3;

// The row's head byte: source in bits 0-1, error in bits 2-4, and:
inline constexpr uint8_t kHasEntrySeq = 1u << 5;

inline constexpr std::string_view kTimestampShape = "0000-00-00T00:00:00.000Z";

}  // namespace logdex::index::row_format

#endif  // LOGDEX_INDEX_ROW_STORE_FORMAT_H_
