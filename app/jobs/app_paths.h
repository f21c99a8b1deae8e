#pragma once

#include <QString>

namespace segstudio {

// Data files shipped with the application: <prefix>/share/segstudio next to <prefix>/bin, which
// holds both for the build tree (build/bin, build/share) and for an installed package.
QString sharedDataDirectory();
QString sampleImagePath();

} // namespace segstudio
