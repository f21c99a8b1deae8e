#pragma once

#include <QDialog>

class QDialogButtonBox;
class QLabel;
class QLineEdit;
class QSpinBox;

namespace segstudio {

// File ▸ Open Tile Service: a local XYZ/TMS tile folder, an MBTiles file, or the URL template of
// an XYZ service (https://host/{z}/{x}/{y}.png) with the zoom level, the area to work on (west,
// south, east, north in degrees) and the credit to show. source() is what RasterSource opens: the
// path, or the template with the zoom, area and credit in its fragment.
class TileServiceDialog : public QDialog {
    Q_OBJECT
public:
    explicit TileServiceDialog(QWidget* parent = nullptr);

    QString source() const; // empty until accepted with a usable entry
    QLineEdit* sourceEdit() const { return m_source; }
    QSpinBox* zoomBox() const { return m_zoom; }
    QLineEdit* areaEdit() const { return m_area; }
    QLineEdit* attributionEdit() const { return m_attribution; }
    // The entry checked (a usable template, or a folder or file that exists); else why not.
    QString problem() const;

public Q_SLOTS:
    void accept() override;

private:
    void updateFields();

    QLineEdit* m_source;
    QSpinBox* m_zoom;
    QLineEdit* m_area;
    QLineEdit* m_attribution;
    QLabel* m_problem;
    QDialogButtonBox* m_buttons;
};

} // namespace segstudio
