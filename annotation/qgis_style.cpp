#include "annotation/qgis_style.h"

#include <QDir>
#include <QFileInfo>
#include <QXmlStreamReader>
#include <QXmlStreamWriter>

namespace segstudio::QgisStyle {
namespace {

void startDocument(QXmlStreamWriter& xml) {
    xml.setAutoFormatting(true);
    xml.writeStartDocument();
    xml.writeDTD(QStringLiteral("<!DOCTYPE qgis PUBLIC 'http://mrcc.com/qgis.dtd' 'SYSTEM'>"));
    xml.writeStartElement(QStringLiteral("qgis"));
    xml.writeAttribute(QStringLiteral("version"), QStringLiteral("3.28.0"));
    xml.writeAttribute(QStringLiteral("styleCategories"), QStringLiteral("Symbology"));
}

QString rgba(const QColor& color) {
    return QStringLiteral("%1,%2,%3,255").arg(color.red()).arg(color.green()).arg(color.blue());
}

void option(QXmlStreamWriter& xml, const QString& name, const QString& value) {
    xml.writeStartElement(QStringLiteral("Option"));
    xml.writeAttribute(QStringLiteral("name"), name);
    xml.writeAttribute(QStringLiteral("type"), QStringLiteral("QString"));
    xml.writeAttribute(QStringLiteral("value"), value);
    xml.writeEndElement();
}

} // namespace

QString stylePathFor(const QString& layerPath) {
    const QFileInfo file(layerPath);
    return file.dir().filePath(file.completeBaseName() + QStringLiteral(".qml"));
}

QByteArray rasterStyle(const ClassPalette& palette) {
    QByteArray out;
    QXmlStreamWriter xml(&out);
    startDocument(xml);
    xml.writeStartElement(QStringLiteral("pipe"));
    xml.writeStartElement(QStringLiteral("rasterrenderer"));
    xml.writeAttribute(QStringLiteral("type"), QStringLiteral("paletted"));
    xml.writeAttribute(QStringLiteral("band"), QStringLiteral("1"));
    xml.writeAttribute(QStringLiteral("opacity"), QStringLiteral("1"));
    xml.writeAttribute(QStringLiteral("alphaBand"), QStringLiteral("-1"));
    xml.writeAttribute(QStringLiteral("nodataColor"), QString());
    xml.writeStartElement(QStringLiteral("colorPalette"));
    for (const LabelClass& c : palette.classes()) {
        xml.writeStartElement(QStringLiteral("paletteEntry"));
        xml.writeAttribute(QStringLiteral("value"), QString::number(c.id));
        xml.writeAttribute(QStringLiteral("color"), c.color.name(QColor::HexRgb));
        xml.writeAttribute(QStringLiteral("alpha"), QStringLiteral("255"));
        xml.writeAttribute(QStringLiteral("label"), c.name);
        xml.writeEndElement();
    }
    xml.writeEndElement(); // colorPalette
    xml.writeEndElement(); // rasterrenderer
    xml.writeEndElement(); // pipe
    xml.writeEndElement(); // qgis
    xml.writeEndDocument();
    return out;
}

std::optional<ClassPalette> classesOfRasterStyle(const QByteArray& qml) {
    QXmlStreamReader xml(qml);
    ClassPalette palette;
    bool paletted = false;
    while (!xml.atEnd()) {
        if (xml.readNext() != QXmlStreamReader::StartElement)
            continue;
        if (xml.name() == QLatin1String("rasterrenderer"))
            paletted = xml.attributes().value(QStringLiteral("type")) == QLatin1String("paletted");
        if (xml.name() == QLatin1String("paletteEntry") && paletted) {
            const auto attributes = xml.attributes();
            bool ok = false;
            const int id = attributes.value(QStringLiteral("value")).toInt(&ok);
            const QColor color(attributes.value(QStringLiteral("color")).toString());
            if (!ok || !color.isValid() ||
                !palette.insert({id, attributes.value(QStringLiteral("label")).toString(), color, true}))
                return std::nullopt;
        }
    }
    if (xml.hasError() || palette.isEmpty())
        return std::nullopt;
    return palette;
}

QByteArray vectorStyle(const ClassPalette& palette, const QString& classField) {
    QByteArray out;
    QXmlStreamWriter xml(&out);
    startDocument(xml);
    xml.writeStartElement(QStringLiteral("renderer-v2"));
    xml.writeAttribute(QStringLiteral("type"), QStringLiteral("categorizedSymbol"));
    xml.writeAttribute(QStringLiteral("attr"), classField);
    xml.writeAttribute(QStringLiteral("forceraster"), QStringLiteral("0"));
    xml.writeAttribute(QStringLiteral("symbollevels"), QStringLiteral("0"));
    xml.writeAttribute(QStringLiteral("enableorderby"), QStringLiteral("0"));
    xml.writeStartElement(QStringLiteral("categories"));
    int symbol = 0;
    for (const LabelClass& c : palette.classes()) {
        xml.writeStartElement(QStringLiteral("category"));
        xml.writeAttribute(QStringLiteral("value"), QString::number(c.id));
        xml.writeAttribute(QStringLiteral("symbol"), QString::number(symbol++));
        xml.writeAttribute(QStringLiteral("label"), c.name);
        xml.writeAttribute(QStringLiteral("render"), QStringLiteral("true"));
        xml.writeEndElement();
    }
    xml.writeEndElement(); // categories
    xml.writeStartElement(QStringLiteral("symbols"));
    symbol = 0;
    for (const LabelClass& c : palette.classes()) {
        xml.writeStartElement(QStringLiteral("symbol"));
        xml.writeAttribute(QStringLiteral("type"), QStringLiteral("fill"));
        xml.writeAttribute(QStringLiteral("name"), QString::number(symbol++));
        xml.writeAttribute(QStringLiteral("alpha"), QStringLiteral("1"));
        xml.writeAttribute(QStringLiteral("clip_to_extent"), QStringLiteral("1"));
        xml.writeAttribute(QStringLiteral("force_rhr"), QStringLiteral("0"));
        xml.writeStartElement(QStringLiteral("layer"));
        xml.writeAttribute(QStringLiteral("class"), QStringLiteral("SimpleFill"));
        xml.writeAttribute(QStringLiteral("enabled"), QStringLiteral("1"));
        xml.writeAttribute(QStringLiteral("locked"), QStringLiteral("0"));
        xml.writeAttribute(QStringLiteral("pass"), QStringLiteral("0"));
        xml.writeStartElement(QStringLiteral("Option"));
        xml.writeAttribute(QStringLiteral("type"), QStringLiteral("Map"));
        option(xml, QStringLiteral("color"), rgba(c.color));
        option(xml, QStringLiteral("outline_color"), QStringLiteral("35,35,35,255"));
        option(xml, QStringLiteral("outline_style"), QStringLiteral("solid"));
        option(xml, QStringLiteral("outline_width"), QStringLiteral("0.1"));
        option(xml, QStringLiteral("style"), QStringLiteral("solid"));
        xml.writeEndElement(); // Option
        xml.writeEndElement(); // layer
        xml.writeEndElement(); // symbol
    }
    xml.writeEndElement(); // symbols
    xml.writeEndElement(); // renderer-v2
    xml.writeEndElement(); // qgis
    xml.writeEndDocument();
    return out;
}

} // namespace segstudio::QgisStyle
