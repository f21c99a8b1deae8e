#pragma once

#include <QPointF>
#include <QString>

namespace segstudio {

class Georeference;

// Status-bar texts for the point under the cursor. Each returns an empty string when the
// text does not apply (outside the image, not georeferenced, CRS without a path to WGS 84).
QString pixelText(QPointF imagePosition, int width, int height);
QString mapText(QPointF imagePosition, const Georeference& georeference);
QString lonLatText(QPointF imagePosition, const Georeference& georeference);

} // namespace segstudio
