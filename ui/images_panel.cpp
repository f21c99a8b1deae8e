#include "ui/images_panel.h"

#include "annotation/dataset_project.h"
#include "ui/correction_effort_chart.h"
#include "ui/project_image_model.h"

#include <QComboBox>
#include <QHBoxLayout>
#include <QLabel>
#include <QListView>
#include <QSortFilterProxyModel>
#include <QVBoxLayout>

namespace segstudio {
namespace {

// Lets through the rows whose status the filter names.
class StatusFilter : public QSortFilterProxyModel {
public:
    using QSortFilterProxyModel::QSortFilterProxyModel;
    void setFilter(ImagesPanel::Filter filter) {
        m_filter = filter;
        invalidateFilter();
    }
    ImagesPanel::Filter filter() const { return m_filter; }
    // Worst mIoU against the references first; images without a score after them, in order.
    void setWorstFirst(bool worstFirst) {
        m_worstFirst = worstFirst;
        sort(worstFirst ? 0 : -1);
        if (!worstFirst)
            invalidate(); // back to the project's order
    }

protected:
    bool filterAcceptsRow(int row, const QModelIndex& parent) const override {
        const auto status =
            ImageStatus(sourceModel()->index(row, 0, parent).data(ProjectImageModel::StatusRole).toInt());
        switch (m_filter) {
        case ImagesPanel::Filter::All:
            return true;
        case ImagesPanel::Filter::NotReviewed:
            return status != ImageStatus::Reviewed;
        case ImagesPanel::Filter::New:
            return status == ImageStatus::New;
        case ImagesPanel::Filter::Predicted:
            return status == ImageStatus::Predicted;
        case ImagesPanel::Filter::InProgress:
            return status == ImageStatus::InProgress;
        case ImagesPanel::Filter::Reviewed:
            return status == ImageStatus::Reviewed;
        }
        return true;
    }

    bool lessThan(const QModelIndex& left, const QModelIndex& right) const override {
        const double a = left.data(ProjectImageModel::ReferenceMiouRole).toDouble();
        const double b = right.data(ProjectImageModel::ReferenceMiouRole).toDouble();
        if ((a >= 0) != (b >= 0))
            return a >= 0; // scored images first
        if (a >= 0 && a != b)
            return a < b;
        return left.row() < right.row();
    }

private:
    ImagesPanel::Filter m_filter = ImagesPanel::Filter::All;
    bool m_worstFirst = false;
};

} // namespace

ImagesPanel::ImagesPanel(ProjectImageModel* model, QWidget* parent)
    : QWidget(parent)
    , m_model(model)
    , m_proxy(new StatusFilter(this))
    , m_counts(new QLabel(this))
    , m_filter(new QComboBox(this))
    , m_order(new QComboBox(this))
    , m_list(new QListView(this))
    , m_effort(new CorrectionEffortChart(this)) {
    m_proxy->setSourceModel(model);
    m_counts->setObjectName(QStringLiteral("imageCounts"));
    m_filter->setObjectName(QStringLiteral("imageFilter"));
    m_filter->addItems({tr("All images"), tr("Not reviewed"), tr("New"), tr("Predicted"), tr("In progress"),
                        tr("Reviewed")});
    m_order->setObjectName(QStringLiteral("imageOrder"));
    m_order->addItems({tr("Project order"), tr("Worst mIoU against references first")});
    m_proxy->setDynamicSortFilter(true); // a new score moves its row at once
    m_list->setModel(m_proxy);
    // Rows of one height: the view then never asks every row of a large project for its size.
    m_list->setUniformItemSizes(true);
    // Long names are elided in the middle (the folder stays readable) rather than scrolled.
    m_list->setHorizontalScrollBarPolicy(Qt::ScrollBarAlwaysOff);
    m_list->setTextElideMode(Qt::ElideMiddle);
    m_list->setIconSize(QSize(ProjectImageModel::ThumbnailSize, ProjectImageModel::ThumbnailSize));
    m_list->setEditTriggers(QAbstractItemView::NoEditTriggers);
    m_list->setSelectionMode(QAbstractItemView::SingleSelection);
    auto* layout = new QVBoxLayout(this);
    layout->setContentsMargins(4, 4, 4, 4);
    layout->addWidget(m_counts);
    auto* choices = new QHBoxLayout;
    choices->addWidget(m_filter, 1);
    choices->addWidget(m_order, 1);
    layout->addLayout(choices);
    layout->addWidget(m_list, 3);
    layout->addWidget(m_effort, 1);
    connect(m_filter, &QComboBox::currentIndexChanged, this, [this](int index) {
        static_cast<StatusFilter*>(m_proxy)->setFilter(Filter(index));
        showCurrent(m_model->current());
    });
    connect(m_order, &QComboBox::currentIndexChanged, this, [this](int index) {
        static_cast<StatusFilter*>(m_proxy)->setWorstFirst(index == int(Order::WorstFirst));
        showCurrent(m_model->current());
    });
    connect(m_list, &QListView::activated, this, [this](const QModelIndex& index) {
        Q_EMIT imageActivated(index.data(ProjectImageModel::ImageIndexRole).toInt());
    });
    connect(m_list, &QListView::clicked, this, [this](const QModelIndex& index) {
        Q_EMIT imageActivated(index.data(ProjectImageModel::ImageIndexRole).toInt());
    });
    connect(model, &QAbstractItemModel::modelReset, this, &ImagesPanel::updateCounts);
    connect(model, &QAbstractItemModel::dataChanged, this, &ImagesPanel::updateCounts);
    updateCounts();
}

void ImagesPanel::setOrder(Order order) {
    m_order->setCurrentIndex(int(order));
}

void ImagesPanel::setFilter(Filter filter) {
    m_filter->setCurrentIndex(int(filter));
}

ImagesPanel::Filter ImagesPanel::filter() const {
    return Filter(m_filter->currentIndex());
}

QString ImagesPanel::countsText() const {
    return m_counts->text();
}

int ImagesPanel::visibleRows() const {
    return m_proxy->rowCount();
}

void ImagesPanel::updateCounts() {
    const DatasetProject* project = m_model->project();
    m_effort->setProject(project); // redraws only when a figure changed
    if (!project) {
        m_counts->setText(tr("No project open"));
        return;
    }
    QString text = tr("%1 of %2 reviewed · %3 in progress · %4 predicted")
                       .arg(project->count(ImageStatus::Reviewed))
                       .arg(project->size())
                       .arg(project->count(ImageStatus::InProgress))
                       .arg(project->count(ImageStatus::Predicted));
    // The dataset's figure against references: the mean of the images' mIoU, and the worst.
    double sum = 0, worst = 2;
    int scored = 0;
    for (const ProjectImage& image : project->images())
        if (image.referenceMiou >= 0) {
            sum += image.referenceMiou;
            worst = std::min(worst, image.referenceMiou);
            ++scored;
        }
    if (scored > 0)
        text += tr("\nAgainst references: %1 scored, mean mIoU %2, worst %3")
                    .arg(scored)
                    .arg(sum / scored, 0, 'f', 3)
                    .arg(worst, 0, 'f', 3);
    m_counts->setText(text);
}

void ImagesPanel::showCurrent(int imageIndex) {
    if (imageIndex < 0)
        return;
    const QModelIndex index = m_proxy->mapFromSource(m_model->index(imageIndex));
    if (!index.isValid())
        return;
    m_list->setCurrentIndex(index);
    m_list->scrollTo(index);
}

} // namespace segstudio
