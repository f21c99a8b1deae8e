#pragma once

#include <QHashFunctions>
#include <QtGlobal>

namespace segstudio {

// Identifies one tile forever: which source, which rendering of it (the generation changes
// whenever display settings or, later, the model version change, so stale tiles are never
// served), and where on the power-of-two pyramid it sits.
struct TileKey {
    quint64 source = 0;
    quint64 generation = 0;
    int level = 0;
    int x = 0;
    int y = 0;

    bool operator==(const TileKey&) const = default;
};

inline size_t qHash(const TileKey& key, size_t seed = 0) noexcept {
    return qHashMulti(seed, key.source, key.generation, key.level, key.x, key.y);
}

} // namespace segstudio
