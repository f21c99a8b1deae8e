#include "annotation/reference_scores.h"

#include "annotation/dataset_project.h"
#include "annotation/label_mask.h"
#include "annotation/mask_files.h"
#include "annotation/raster_source.h"

#include <QFileInfo>
#include <cmath>
#include <optional>

namespace segstudio::ReferenceScores {

Score of(const DatasetProject& project, int index, const LabelMask* mask) {
    Score score;
    score.index = index;
    const ProjectImage& entry = project.image(index);
    if (entry.reference.isEmpty())
        return score;
    std::optional<LabelMask> read;
    if (!mask) {
        const QString path = project.maskToRead(index);
        if (!QFileInfo::exists(path))
            return score; // nothing predicted or labelled yet
        QSize size = entry.size;
        if (size.isEmpty()) {
            const auto image = RasterSource::open(project.absolute(entry.image), &score.error);
            if (!image)
                return score;
            size = image->size();
        }
        read = MaskFiles::load(path, size, project.classes(), &score.error);
        if (!read)
            return score;
        mask = &*read;
    }
    const auto reference =
        MaskFiles::load(project.absolute(entry.reference), mask->size(), project.classes(), &score.error);
    if (!reference)
        return score;
    score.agreement = MaskAgreement::of(*mask, *reference, MaskAgreement::classesOf(project.classes()));
    const double miou = score.agreement.meanIoU();
    score.miou = std::isfinite(miou) ? miou : -1;
    return score;
}

} // namespace segstudio::ReferenceScores
