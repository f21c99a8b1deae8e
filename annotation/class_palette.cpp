#include "annotation/class_palette.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QObject>
#include <QSet>

namespace segstudio {

ClassPalette ClassPalette::dubaiAerial() {
    ClassPalette palette;
    // Colours as found in the dataset's masks (not its classes.json, which is wrong).
    palette.insert({0, QStringLiteral("Building"), QColor(0x3C, 0x10, 0x98)});
    palette.insert({1, QStringLiteral("Land (unpaved area)"), QColor(0x84, 0x29, 0xF6)});
    palette.insert({2, QStringLiteral("Road"), QColor(0x6E, 0xC1, 0xE4)});
    palette.insert({3, QStringLiteral("Vegetation"), QColor(0xFE, 0xDD, 0x3A)});
    palette.insert({4, QStringLiteral("Water"), QColor(0xE2, 0xA9, 0x29)});
    palette.insert({5, QStringLiteral("Unlabeled"), QColor(0x9B, 0x9B, 0x9B)});
    return palette;
}

const LabelClass* ClassPalette::find(int id) const {
    const int i = indexOf(id);
    return i < 0 ? nullptr : &m_classes[i];
}

int ClassPalette::indexOf(int id) const {
    for (int i = 0; i < m_classes.size(); ++i) {
        if (m_classes[i].id == id)
            return i;
    }
    return -1;
}

QColor ClassPalette::colorOf(int id) const {
    const LabelClass* c = find(id);
    return c ? c->color : QColor();
}

std::optional<int> ClassPalette::classOfColor(QRgb rgb) const {
    std::optional<int> found;
    for (const LabelClass& c : m_classes) {
        if ((c.color.rgb() & 0xFFFFFF) == (rgb & 0xFFFFFF)) {
            if (found)
                return std::nullopt; // two classes share the colour: ambiguous
            found = c.id;
        }
    }
    return found;
}

QString ClassPalette::sharedColorProblem() const {
    for (int i = 0; i < m_classes.size(); ++i)
        for (int j = i + 1; j < m_classes.size(); ++j)
            if ((m_classes[i].color.rgb() & 0xFFFFFF) == (m_classes[j].color.rgb() & 0xFFFFFF))
                return QObject::tr("classes “%1” (%2) and “%3” (%4) share the colour %5")
                    .arg(m_classes[i].name)
                    .arg(m_classes[i].id)
                    .arg(m_classes[j].name)
                    .arg(m_classes[j].id)
                    .arg(m_classes[i].color.name(QColor::HexRgb));
    return {};
}

int ClassPalette::addClass(const QString& name, const QColor& color) {
    for (int id = 0; id <= MaxClassId; ++id) {
        if (!contains(id)) {
            m_classes.append({id, name, color, true});
            return id;
        }
    }
    return -1;
}

bool ClassPalette::insert(const LabelClass& labelClass) {
    if (labelClass.id < 0 || labelClass.id > MaxClassId || contains(labelClass.id))
        return false;
    m_classes.append(labelClass);
    return true;
}

bool ClassPalette::setName(int id, const QString& name) {
    const int i = indexOf(id);
    if (i < 0)
        return false;
    m_classes[i].name = name;
    return true;
}

bool ClassPalette::setColor(int id, const QColor& color) {
    const int i = indexOf(id);
    if (i < 0 || !color.isValid())
        return false;
    m_classes[i].color = color;
    return true;
}

bool ClassPalette::setVisible(int id, bool visible) {
    const int i = indexOf(id);
    if (i < 0)
        return false;
    m_classes[i].visible = visible;
    return true;
}

bool ClassPalette::remove(int id) {
    const int i = indexOf(id);
    if (i < 0)
        return false;
    m_classes.removeAt(i);
    return true;
}

QColor ClassPalette::suggestColor() const {
    // Golden-angle hue steps give well separated colours for any count.
    for (int step = int(m_classes.size());; ++step) {
        const QColor candidate = QColor::fromHsv(int(step * 137.508) % 360, 200, 230);
        if (!classOfColor(candidate.rgb()) &&
            (candidate.rgb() & 0xFFFFFF) != (m_unlabeledColor.rgb() & 0xFFFFFF))
            return candidate;
    }
}

QByteArray ClassPalette::toJson() const {
    QJsonArray classes;
    for (const LabelClass& c : m_classes) {
        classes.append(QJsonObject{
            {"id", c.id}, {"name", c.name}, {"color", c.color.name(QColor::HexRgb)}, {"visible", c.visible}});
    }
    const QJsonObject root{{"classes", classes}, {"unlabeled_color", m_unlabeledColor.name(QColor::HexRgb)}};
    return QJsonDocument(root).toJson(QJsonDocument::Indented);
}

std::optional<ClassPalette> ClassPalette::fromJson(const QByteArray& json, QString* error) {
    QJsonParseError parseError;
    const QJsonDocument document = QJsonDocument::fromJson(json, &parseError);
    if (document.isNull()) {
        *error = QObject::tr("The class list is not valid JSON: %1 (at byte %2).")
                     .arg(parseError.errorString())
                     .arg(parseError.offset);
        return std::nullopt;
    }
    if (!document.isObject()) {
        *error = QObject::tr("The class list must be a JSON object with a \"classes\" array, like "
                             "{\"classes\": [{\"id\": 0, \"name\": \"Building\", \"color\": \"#3c1098\"}]}.");
        return std::nullopt;
    }
    const QJsonObject root = document.object();
    if (!root.value(QStringLiteral("classes")).isArray()) {
        *error = QObject::tr("The class list has no \"classes\" array.");
        return std::nullopt;
    }
    ClassPalette palette;
    if (root.contains(QStringLiteral("unlabeled_color"))) {
        const QColor unlabeled(root.value(QStringLiteral("unlabeled_color")).toString());
        if (!unlabeled.isValid()) {
            *error = QObject::tr("The class list has an invalid \"unlabeled_color\".");
            return std::nullopt;
        }
        palette.m_unlabeledColor = unlabeled;
    }
    const QJsonArray classes = root.value(QStringLiteral("classes")).toArray();
    for (const QJsonValue& value : classes) {
        const QJsonObject object = value.toObject();
        const QJsonValue id = object.value(QStringLiteral("id"));
        const QColor color(object.value(QStringLiteral("color")).toString());
        if (!id.isDouble() || id.toDouble() != double(id.toInt()) || id.toInt() < 0 ||
            id.toInt() > MaxClassId) {
            *error = QObject::tr("Class ids must be whole numbers from 0 to %1.").arg(MaxClassId);
            return std::nullopt;
        }
        if (!color.isValid()) {
            *error = QObject::tr("Class %1 has no valid colour.").arg(id.toInt());
            return std::nullopt;
        }
        const LabelClass c{id.toInt(), object.value(QStringLiteral("name")).toString(), color,
                           object.value(QStringLiteral("visible")).toBool(true)};
        if (!palette.insert(c)) {
            *error = QObject::tr("Class id %1 appears twice.").arg(c.id);
            return std::nullopt;
        }
    }
    return palette;
}

} // namespace segstudio
