#pragma once

#include "app/jobs/predicted_region.h"

#include <QList>
#include <QPoint>

namespace segstudio {

class LabelDocument;

// How a prediction may enter the mask.
struct PredictionRules {
    bool overwriteHumanWork = false; // pixels a person edited or reviewed keep their labels
    int mergeId = -1;                // commits of one job with one id are one undo step
};

// The mean confidence (0-1) of a tile's predicted pixels, as written.
struct TileConfidence {
    QPoint tile;
    double mean = 0;
};

// The one way predictions are written into a document, used by the window and by every command
// that predicts into a mask (simulate among them), so what a command measures is what a person
// gets. Classes get provenance Predicted; confidences are stored as bytes, 1-255 (0 means
// "never predicted"), through confidenceByte().
namespace PredictionWriter {

quint8 confidenceByte(float probability);

// Writes `region` through one MaskPainter (an undo step, or part of one with rules.mergeId) on
// the document's thread; returns the mean confidence of each tile it wrote.
QList<TileConfidence> write(LabelDocument& document, const PredictedRegion& region,
                            const PredictionRules& rules);

} // namespace PredictionWriter
} // namespace segstudio
