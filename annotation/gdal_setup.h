#pragma once

namespace segstudio {

// Registers GDAL's drivers and sets process-wide GDAL options once. Call from main() (and from
// test fixtures) before any raster is opened; later calls do nothing.
void initializeGdal();

} // namespace segstudio
