#pragma once

#include "annotation/mask_tile.h"

#include <QByteArray>
#include <memory>

namespace segstudio {

// Compact, self-checking byte form of one MaskTile, used by undo commands and the autosave
// journal. Label planes are long runs of one value, so each plane is run-length encoded
// (value, varint run length); a plane that does not shrink is stored raw. A blank tile encodes
// to a few bytes, a typical edited one to a few hundred; decoding is a few memset calls.
// An empty QByteArray stands for "no tile" (never written).
namespace TileCodec {

QByteArray encode(const MaskTile* tile);
// Null for an empty array; sets *ok to false (and returns null) for damaged data.
std::shared_ptr<MaskTile> decode(const QByteArray& data, bool* ok = nullptr);

} // namespace TileCodec
} // namespace segstudio
