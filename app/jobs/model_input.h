#pragma once

#include <QRect>
#include <QString>
#include <array>
#include <cstdint>
#include <vector>

namespace segstudio {

class RasterSource;

// How a window of a raster becomes what the network sees: interleaved 8-bit RGB. It never goes
// through the display path (the canvas's band choice and contrast slider change nothing here);
// every rule is a field, chosen from the data once per source:
//  - bands: bands 1, 2, 3 feed R, G, B; an image with fewer than three bands (or whose band 2
//    or 3 is alpha) is grey, band 1 in all three; a single paletted band is expanded through
//    its colour table.
//  - scaling: 8-bit samples are used as they are; 16-bit and floating-point samples are scaled
//    linearly from [low, high] to 0-255 and clamped, with low and high the 2nd and 98th
//    percentile of each band, measured when the raster was opened.
//  - nodata: a pixel whose samples all equal the raster's nodata value, a NaN sample, or a
//    pixel whose alpha is 0 becomes `fill` (black) in all three channels.
struct ModelInput {
    std::array<int, 3> bands{1, 2, 3}; // 1-based
    std::array<double, 3> low{0, 0, 0};
    std::array<double, 3> high{255, 255, 255};
    bool scaled = false;        // false: 8-bit samples taken as they are
    bool expandPalette = false; // one paletted band shown through its colour table
    uint8_t fill = 0;

    // The rules for `source` (no file is read: the statistics were measured at open).
    static ModelInput forSource(const RasterSource& source);
    bool isGrey() const { return bands[0] == bands[1] && bands[1] == bands[2]; }

    // Reads `window` (level-0 pixels, inside the raster) into `rgb` (3 bytes a pixel, rows of
    // 3 × width). Reads the file: call it on a worker. False with *error on a read failure.
    // With `empty`, also which pixels hold no data (1) by the nodata rule above: what is
    // predicted there is no class, whatever the network says about the fill colour.
    bool read(const RasterSource& source, const QRect& window, std::vector<uint8_t>& rgb, QString* error,
              std::vector<uint8_t>* empty = nullptr) const;
};

} // namespace segstudio
