#pragma once

#include <QByteArray>
#include <QList>
#include <memory>

namespace segstudio {

class StoredTile;

// The state of one mask tile in TileCodec form (empty data: no tile). What undo commands and
// the autosave journal store; implicitly shared, so safe to hand to a writer thread.
struct EncodedTile {
    int tileX = 0;
    int tileY = 0;
    QByteArray data;
};

// One tile before and after an edit.
struct TileDiff {
    int tileX = 0;
    int tileY = 0;
    QByteArray before;
    QByteArray after;
    // Predictions: a state kept in the document's TileStore instead of in `before` or `after`
    // (then empty), so the undo step of a whole-image prediction holds no tile memory.
    std::shared_ptr<const StoredTile> storedBefore = nullptr;
    std::shared_ptr<const StoredTile> storedAfter = nullptr;
};

} // namespace segstudio
