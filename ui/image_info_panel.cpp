#include "ui/image_info_panel.h"

#include "annotation/raster_source.h"

#include <QComboBox>
#include <QFormLayout>
#include <QHeaderView>
#include <QLocale>
#include <QSpinBox>
#include <QTreeWidget>
#include <QVBoxLayout>

namespace segstudio {

ImageInfoPanel::ImageInfoPanel(QWidget* parent)
    : QWidget(parent)
    , m_properties(new QTreeWidget(this))
    , m_stretch(new QComboBox(this)) {
    m_properties->setColumnCount(2);
    m_properties->setHeaderLabels({tr("Property"), tr("Value")});
    m_properties->setRootIsDecorated(false);
    m_properties->header()->setSectionResizeMode(0, QHeaderView::ResizeToContents);
    m_properties->setObjectName(QStringLiteral("imageProperties"));

    auto* form = new QFormLayout;
    const QStringList channels{tr("Red band"), tr("Green band"), tr("Blue band")};
    for (int c = 0; c < 3; ++c) {
        m_bandBoxes[c] = new QSpinBox(this);
        m_bandBoxes[c]->setRange(1, 1);
        form->addRow(channels[c], m_bandBoxes[c]);
        connect(m_bandBoxes[c], &QSpinBox::valueChanged, this, &ImageInfoPanel::emitRequest);
    }
    m_stretch->addItem(tr("None (data range)"), int(StretchKind::None));
    m_stretch->addItem(tr("Minimum – maximum"), int(StretchKind::MinMax));
    m_stretch->addItem(tr("Cumulative 2 – 98 %"), int(StretchKind::Percent2_98));
    form->addRow(tr("Contrast"), m_stretch);
    connect(m_stretch, &QComboBox::currentIndexChanged, this, &ImageInfoPanel::emitRequest);

    auto* layout = new QVBoxLayout(this);
    layout->setContentsMargins(4, 4, 4, 4);
    layout->addWidget(m_properties, 1);
    layout->addLayout(form);
    setEnabled(false);
}

void ImageInfoPanel::setSource(const RasterSource* source, const DisplaySettings& display) {
    m_updating = true;
    m_properties->clear();
    setEnabled(source != nullptr);
    if (source) {
        const RasterInfo& info = source->info();
        const Georeference& geo = source->georeference();
        const QLocale locale;
        auto add = [this](const QString& key, const QString& value) {
            auto* item = new QTreeWidgetItem(m_properties, {key, value});
            item->setToolTip(1, value);
        };
        add(tr("File"), info.path);
        add(tr("Format"), QStringLiteral("%1 (%2)").arg(info.driverDescription, info.driverName));
        add(tr("Size"), tr("%1 × %2 px").arg(locale.toString(info.width), locale.toString(info.height)));
        add(tr("Bands"),
            QStringLiteral("%1: %2").arg(info.bandCount).arg(info.bandNames.join(QStringLiteral(", "))));
        add(tr("Data type"), info.dataType);
        QStringList overviews;
        for (const QSize& s : info.overviews)
            overviews << QStringLiteral("%1×%2").arg(s.width()).arg(s.height());
        add(tr("Overviews"), overviews.isEmpty() ? tr("none (reduced views are decimated)")
                                                 : overviews.join(QStringLiteral(", ")));
        add(tr("No data"), info.noData ? QString::number(*info.noData) : tr("none"));
        if (geo.isValid()) {
            const QString authority = geo.crsAuthority();
            add(tr("CRS"),
                geo.hasCrs() ? (authority.isEmpty() ? geo.crsName()
                                                    : QStringLiteral("%1 (%2)").arg(geo.crsName(), authority))
                             : tr("unknown"));
            const auto& g = geo.geoTransform();
            add(tr("Pixel size"), QStringLiteral("%1 × %2").arg(g[1], 0, 'g', 8).arg(g[5], 0, 'g', 8));
            add(tr("Origin"), QStringLiteral("%1, %2").arg(g[0], 0, 'f', 3).arg(g[3], 0, 'f', 3));
        } else {
            add(tr("CRS"), tr("not georeferenced"));
        }
        if (!info.attribution.isEmpty())
            add(tr("Attribution"), info.attribution);
        for (int c = 0; c < 3; ++c) {
            m_bandBoxes[c]->setRange(1, info.bandCount);
            m_bandBoxes[c]->setValue(display.bands[c]);
        }
        m_stretch->setCurrentIndex(info.isByteData ? 0 : 2);
    }
    m_updating = false;
}

QString ImageInfoPanel::valueOf(const QString& property) const {
    for (int i = 0; i < m_properties->topLevelItemCount(); ++i) {
        if (m_properties->topLevelItem(i)->text(0) == property)
            return m_properties->topLevelItem(i)->text(1);
    }
    return {};
}

void ImageInfoPanel::emitRequest() {
    if (m_updating)
        return;
    Q_EMIT displayRequested({m_bandBoxes[0]->value(), m_bandBoxes[1]->value(), m_bandBoxes[2]->value()},
                            static_cast<StretchKind>(m_stretch->currentData().toInt()));
}

} // namespace segstudio
