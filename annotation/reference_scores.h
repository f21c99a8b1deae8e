#pragma once

#include "annotation/mask_agreement.h"

#include <QString>

namespace segstudio {

class DatasetProject;
class LabelMask;

// How the masks of a project agree with their reference masks (review of a model's output over a
// dataset): per image, read from the files on a worker thread.
namespace ReferenceScores {

struct Score {
    int index = -1;
    MaskAgreement agreement; // empty counts when not scored
    double miou = -1;        // -1: not scored (no mask yet, no reference, or a class in neither)
    QString error;           // why it could not be scored, naming the file
};

// Image `index`'s mask (`mask`, or read from the project's files when null) against its
// reference. No reference or no mask yet is no score and no error.
Score of(const DatasetProject& project, int index, const LabelMask* mask = nullptr);

} // namespace ReferenceScores
} // namespace segstudio
