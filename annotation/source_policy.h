#pragma once

#include <QString>

namespace segstudio {

// What opening a file may do beyond reading it. Opening an image or a mask must never reach a
// server, nor make GDAL write elsewhere (a tile service's cache folder), unless the person allowed
// network sources (Preferences, or segstudio-cli --allow-network): GDAL follows whatever a file
// names, a local .vrt with an http:// source or a WMS description saved as .png alike, so every
// file is judged by its content and every source it names, before GDAL opens it.
namespace SourcePolicy {

// Process-wide; off until the settings or the command line turn it on.
void setNetworkAllowed(bool allowed);
bool networkAllowed();

// Empty when `path` may be opened now; otherwise why not, in words. Refuses what is not a
// regular file or folder (a pipe would block forever), and, while the network is off, URLs,
// /vsicurl/-style paths, formats that talk to servers (WMS, WMTS, WCS, ...) and VRTs that name
// any of those among their sources, at any depth.
QString problemWith(const QString& path);

// Whether opening `path` reads from a server (for the window's sign that one is open).
bool readsNetwork(const QString& path);

} // namespace SourcePolicy
} // namespace segstudio
