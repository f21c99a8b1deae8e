#pragma once

#include <QByteArray>
#include <QList>

namespace segstudio {

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
};

} // namespace segstudio
