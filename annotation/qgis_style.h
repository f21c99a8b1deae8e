#pragma once

#include "annotation/class_palette.h"

#include <QByteArray>
#include <QString>
#include <optional>

namespace segstudio {

// QGIS layer styles (.qml) for what we write, so QGIS shows our classes by name and colour
// without any setup: a paletted renderer for label rasters, a categorised one for polygons.
namespace QgisStyle {

// "X.tif" -> "X.qml": where QGIS looks for a layer's default style.
QString stylePathFor(const QString& layerPath);
// A paletted style of band 1: one entry per class (value = class id), unlabeled (255) left out
// (it is the raster's nodata).
QByteArray rasterStyle(const ClassPalette& palette);
// The classes of a paletted raster style (value, label, colour of each entry), as written by
// rasterStyle(): nullopt when `qml` is no such style.
std::optional<ClassPalette> classesOfRasterStyle(const QByteArray& qml);
// A categorised fill style on the integer field `classField` (class id), one category per class.
QByteArray vectorStyle(const ClassPalette& palette, const QString& classField);

} // namespace QgisStyle
} // namespace segstudio
