#pragma once

#include <QByteArray>
#include <QRect>
#include <cstdint>
#include <vector>

namespace segstudio {

// One connected region of one class, as a COCO annotation holds it: the run lengths of its
// binary mask in column-major order (first a run of zeros, possibly empty), its pixel count and
// its bounding box in pixels.
struct CocoRegion {
    int classId = 0;
    std::vector<std::uint32_t> counts;
    std::int64_t area = 0;
    QRect box;
};

// COCO's run-length encoding of masks, byte for byte as pycocotools (maskApi.c) writes it.
namespace CocoRle {

// The `counts` string of a compressed RLE: each count (after the second, less the count two
// before it) as 5-bit groups with a continuation bit, offset by '0'.
QByteArray compress(const std::vector<std::uint32_t>& counts);

// Every 8-connected region of every class in a row-major class image (255 = unlabeled, in no
// region), ordered by class and then by the region's first pixel in row order. One pass over the
// pixels for all regions at once, whatever their number.
std::vector<CocoRegion> regions(const std::uint8_t* classes, int width, int height);

} // namespace CocoRle
} // namespace segstudio
