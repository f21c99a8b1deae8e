#include "ui/images_panel.h"

#include "annotation/dataset_project.h"
#include "ui/correction_effort_chart.h"
#include "ui/project_image_model.h"

#include <QComboBox>
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

private:
    ImagesPanel::Filter m_filter = ImagesPanel::Filter::All;
};

} // namespace

ImagesPanel::ImagesPanel(ProjectImageModel* model, QWidget* parent)
    : QWidget(parent)
    , m_model(model)
    , m_proxy(new StatusFilter(this))
    , m_counts(new QLabel(this))
    , m_filter(new QComboBox(this))
    , m_list(new QListView(this))
    , m_effort(new CorrectionEffortChart(this)) {
    m_proxy->setSourceModel(model);
    m_counts->setObjectName(QStringLiteral("imageCounts"));
    m_filter->setObjectName(QStringLiteral("imageFilter"));
    m_filter->addItems({tr("All images"), tr("Not reviewed"), tr("New"), tr("Predicted"), tr("In progress"),
                        tr("Reviewed")});
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
    layout->addWidget(m_filter);
    layout->addWidget(m_list, 3);
    layout->addWidget(m_effort, 1);
    connect(m_filter, &QComboBox::currentIndexChanged, this, [this](int index) {
        static_cast<StatusFilter*>(m_proxy)->setFilter(Filter(index));
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
    m_counts->setText(tr("%1 of %2 reviewed · %3 in progress · %4 predicted")
                          .arg(project->count(ImageStatus::Reviewed))
                          .arg(project->size())
                          .arg(project->count(ImageStatus::InProgress))
                          .arg(project->count(ImageStatus::Predicted)));
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
