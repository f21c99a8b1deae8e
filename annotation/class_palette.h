#pragma once

#include <QColor>
#include <QList>
#include <QString>
#include <optional>

namespace segstudio {

// One label class: the byte stored in the mask (0-254), a name, a display colour, and whether
// the overlay shows it.
struct LabelClass {
    int id = 0;
    QString name;
    QColor color;
    bool visible = true;

    bool operator==(const LabelClass&) const = default;
};

// The classes of a document, in display order (keys 1-9 pick the first nine). Also the colour
// table of colour-coded masks: every class colour, plus `unlabeledColor` for 255. Stored as
// JSON: {"classes":[{"id":0,"name":"Building","color":"#3c1098","visible":true},...],
//        "unlabeled_color":"#000000"}.
class ClassPalette {
public:
    static constexpr int MaxClassId = 254;

    ClassPalette() = default;
    // The six classes of the Dubai aerial dataset (also the default for new documents).
    static ClassPalette dubaiAerial();

    const QList<LabelClass>& classes() const { return m_classes; }
    int size() const { return int(m_classes.size()); }
    bool isEmpty() const { return m_classes.isEmpty(); }
    const LabelClass* find(int id) const;
    int indexOf(int id) const; // position in display order, -1 if absent
    bool contains(int id) const { return indexOf(id) >= 0; }
    QColor colorOf(int id) const; // invalid colour when absent
    // The class drawn with exactly this colour (alpha ignored), if exactly one is.
    std::optional<int> classOfColor(QRgb rgb) const;
    // Empty when every class has its own colour; else which two share one, in words (a colour-
    // coded mask cannot tell them apart).
    QString sharedColorProblem() const;

    QColor unlabeledColor() const { return m_unlabeledColor; }
    void setUnlabeledColor(const QColor& color) { m_unlabeledColor = color; }

    // Adds a class with the lowest free id; returns that id, or -1 when all 255 ids are used.
    int addClass(const QString& name, const QColor& color);
    bool insert(const LabelClass& labelClass); // false when the id is taken or out of range
    bool setName(int id, const QString& name);
    bool setColor(int id, const QColor& color);
    bool setVisible(int id, bool visible);
    bool remove(int id);
    // A colour not yet used, spread around the hue circle.
    QColor suggestColor() const;

    QByteArray toJson() const;
    // Returns nothing and sets *error for malformed JSON, duplicate or out-of-range ids.
    static std::optional<ClassPalette> fromJson(const QByteArray& json, QString* error);

    bool operator==(const ClassPalette&) const = default;

private:
    QList<LabelClass> m_classes;
    QColor m_unlabeledColor = QColor(0, 0, 0);
};

} // namespace segstudio
