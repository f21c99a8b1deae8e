#pragma once

#include <array>

namespace segstudio {

// How raster bands become screen colours: which band feeds red, green and blue (1-based; three
// equal bands show grey) and the linear stretch from data values to 0-255 for each of them.
struct DisplaySettings {
    std::array<int, 3> bands{1, 2, 3};
    std::array<double, 3> low{0, 0, 0};
    std::array<double, 3> high{255, 255, 255};
    bool usePalette = false; // a single paletted band shown through its colour table

    bool isGrey() const { return bands[0] == bands[1] && bands[1] == bands[2]; }
    bool operator==(const DisplaySettings&) const = default;
};

enum class StretchKind {
    None,       // data type range (0-255 for Byte, 0-65535 for UInt16, min-max for floats)
    MinMax,     // observed minimum to maximum
    Percent2_98 // cumulative count cut, as QGIS does by default
};

} // namespace segstudio
