#pragma once

#include "annotation/class_palette.h"
#include "annotation/mask_agreement.h"

#include <QRect>
#include <QWidget>

class QLabel;
class QListWidget;
class QTableWidget;

namespace segstudio {

// The Metrics dock: how the mask agrees with the comparison layer, per class (IoU, precision,
// recall, F1, pixels and hectares of each), mIoU and pixel accuracy, the confusion matrix as a
// heat map (rows: the comparison, columns: the mask; counts and row shares), and the tiles where
// they differ most, worst first: a click asks the window to show that tile.
class MetricsPanel : public QWidget {
    Q_OBJECT
public:
    explicit MetricsPanel(QWidget* parent = nullptr);

    // `hectaresPerPixel` 0: pixels only (no projected georeference).
    void setAgreement(const MaskAgreement& agreement, const ClassPalette& palette, double hectaresPerPixel);
    void clear(const QString& why);
    QString summaryText() const;
    QTableWidget* classTable() const { return m_classes; }
    QTableWidget* matrixTable() const { return m_matrix; }
    QListWidget* worstList() const { return m_worst; }

Q_SIGNALS:
    void tileActivated(const QRect& imageRect);

private:
    QLabel* m_summary;
    QTableWidget* m_classes;
    QTableWidget* m_matrix;
    QListWidget* m_worst;
};

} // namespace segstudio
