#pragma once

#include "annotation/class_palette.h"

#include <QPoint>
#include <QtGlobal>
#include <vector>

namespace segstudio {

class LabelMask;

// How a mask agrees with a comparison mask (a reference, or another model's output): the
// confusion matrix (rows: the comparison, as the reference; columns: the mask) over the class
// ids below `classes`, pixels unlabeled in either left out, and per 256² tile how many compared
// pixels differ. Reads every pixel of both: call on a worker thread (the masks are snapshots).
struct MaskAgreement {
    struct Tile {
        QPoint tile;
        qint64 compared = 0;
        qint64 differing = 0;
    };

    int classes = 0;
    std::vector<qint64> counts; // [reference * classes + predicted]
    std::vector<Tile> tiles;    // every tile with compared pixels, row-major
    // m² of each class in the comparison and in the mask (georeferenced images); else empty.
    std::vector<double> referenceM2, predictedM2;

    static MaskAgreement of(const LabelMask& mask, const LabelMask& comparison, int classes);
    // The class ids a palette's agreement counts: 0 up to its largest id.
    static int classesOf(const ClassPalette& palette);
    // Adds another agreement's counts (the dataset's totals from its images').
    void add(const MaskAgreement& other);

    bool hasAreas() const { return !referenceM2.empty(); }

    qint64 count(int reference, int predicted) const {
        return counts[size_t(reference * classes + predicted)];
    }
    qint64 total() const;
    qint64 referencePixels(int c) const; // row sum
    qint64 predictedPixels(int c) const; // column sum
    // NaN when undefined (a class absent from both, or never predicted / never in the reference).
    double iou(int c) const;
    double precision(int c) const;
    double recall(int c) const;
    double f1(int c) const;
    double meanIoU() const; // over the classes with a defined IoU
    double pixelAccuracy() const;
    // The `count` tiles with the most differing pixels, most first (ties in row-major order).
    std::vector<Tile> worstTiles(int count) const;
};

} // namespace segstudio
