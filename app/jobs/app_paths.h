#pragma once

#include <QString>

namespace segstudio {

// Data files shipped with the application: <prefix>/share/segstudio next to <prefix>/bin, which
// holds both for the build tree (build/bin, build/share) and for an installed package.
QString sharedDataDirectory();
QString sampleImagePath();
// Where mask tiles go out of memory: scratch files without a name in the cache folder (TileStore).
QString tileScratchFolder();

} // namespace segstudio
