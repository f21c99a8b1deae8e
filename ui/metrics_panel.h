#pragma once

#include "annotation/class_palette.h"
#include "annotation/mask_agreement.h"

#include <QRect>
#include <QWidget>

class QComboBox;
class QLabel;
class QListWidget;
class QTableWidget;

namespace segstudio {

// The Metrics dock: how the mask agrees with the comparison layer, per class (IoU, precision,
// recall, F1, pixels and hectares of each), mIoU and pixel accuracy for the whole image, the
// visible area or a selection (the scope box), the confusion matrix as a
// heat map (rows: the comparison, columns: the mask; counts and row shares), and the tiles where
// they differ most, worst first: a click asks the window to show that tile.
class MetricsPanel : public QWidget {
    Q_OBJECT
public:
    enum class Scope { Image, Visible, Selection };

    explicit MetricsPanel(QWidget* parent = nullptr);

    // Hectares when the agreement has areas (a georeferenced image), pixels otherwise; `where`
    // names the part of the image measured.
    void setAgreement(const MaskAgreement& agreement, const ClassPalette& palette, const QString& where);
    void clear(const QString& why);
    Scope scope() const;
    void setScope(Scope scope);
    QComboBox* scopeBox() const { return m_scopeBox; }
    QString summaryText() const;
    QTableWidget* classTable() const { return m_classes; }
    QTableWidget* matrixTable() const { return m_matrix; }
    QListWidget* worstList() const { return m_worst; }

Q_SIGNALS:
    void tileActivated(const QRect& imageRect);
    void scopeChanged(MetricsPanel::Scope scope);

private:
    QComboBox* m_scopeBox;
    QLabel* m_summary;
    QTableWidget* m_classes;
    QTableWidget* m_matrix;
    QListWidget* m_worst;
};

} // namespace segstudio
