#pragma once

#include "annotation/display_settings.h"

#include <QWidget>
#include <array>

class QComboBox;
class QSpinBox;
class QTreeWidget;

namespace segstudio {

class RasterSource;

// The "Image" dock: size, bands, data type, overviews and CRS of the open raster, plus the
// display controls (which bands show as red, green and blue, and the contrast stretch).
class ImageInfoPanel : public QWidget {
    Q_OBJECT
public:
    explicit ImageInfoPanel(QWidget* parent = nullptr);

    void setSource(const RasterSource* source, const DisplaySettings& display);
    QString valueOf(const QString& property) const; // for tests: the text shown for a row

Q_SIGNALS:
    // The user picked other bands or another stretch; computing the stretch reads the raster,
    // so the receiver does it off the UI thread.
    void displayRequested(std::array<int, 3> bands, segstudio::StretchKind stretch);

private:
    void emitRequest();

    QTreeWidget* m_properties;
    std::array<QSpinBox*, 3> m_bandBoxes{};
    QComboBox* m_stretch;
    bool m_updating = false;
};

} // namespace segstudio
