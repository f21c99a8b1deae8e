#pragma once

#include <QWidget>

class QComboBox;
class QLabel;
class QListView;
class QSortFilterProxyModel;

namespace segstudio {

class CorrectionEffortChart;
class ProjectImageModel;

// The Images dock of a project: how many images are reviewed (and how the masks score against
// references, when scored), a filter by status, an order (worst mIoU first), the list of
// images with thumbnails (activating one, by click or Enter, asks for it to be opened), and the
// correction effort over the reviewed images.
class ImagesPanel : public QWidget {
    Q_OBJECT
public:
    explicit ImagesPanel(ProjectImageModel* model, QWidget* parent = nullptr);

    // Filter choices, in the combo box's order.
    enum class Filter { All, NotReviewed, New, Predicted, InProgress, Reviewed };
    void setFilter(Filter filter);
    Filter filter() const;
    enum class Order { Project, WorstFirst };
    void setOrder(Order order);
    // Recounts the statuses ("37 of 120 reviewed").
    void updateCounts();
    void showCurrent(int imageIndex); // selects and scrolls to it
    QListView* list() const { return m_list; }
    CorrectionEffortChart* effortChart() const { return m_effort; }
    QString countsText() const;
    int visibleRows() const; // rows the filter lets through

Q_SIGNALS:
    void imageActivated(int imageIndex);

private:
    ProjectImageModel* m_model;
    QSortFilterProxyModel* m_proxy;
    QLabel* m_counts;
    QComboBox* m_filter;
    QComboBox* m_order;
    QListView* m_list;
    CorrectionEffortChart* m_effort;
};

} // namespace segstudio
