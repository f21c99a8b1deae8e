#include "app/jobs/class_mapping.h"

#include <QColor>
#include <QCoreApplication>
#include <QFile>
#include <QFileInfo>

namespace segstudio::ClassMapping {

namespace {

std::optional<ClassPalette> parseContent(const QString& path, const QByteArray& content, QString* error);

} // namespace

std::optional<ClassPalette> loadClasses(const QString& path, QString* error) {
    const QFileInfo info(path);
    const auto fail = [&](const QString& why) {
        if (error)
            *error = why;
        return std::nullopt;
    };
    if (!info.exists())
        return fail(QStringLiteral("the class list %1 does not exist").arg(path));
    if (!info.isFile())
        return fail(QStringLiteral("the class list %1 is not a regular file").arg(path));
    // A class list is a few kilobytes; a huge file is something else named by mistake.
    if (info.size() > 4 * 1024 * 1024)
        return fail(QStringLiteral("the class list %1 is %2 MB; a class list is a small CSV or JSON file")
                        .arg(path)
                        .arg(info.size() / 1e6, 0, 'f', 0));
    QFile file(path);
    if (!file.open(QIODevice::ReadOnly))
        return fail(QStringLiteral("cannot read the class list %1: %2").arg(path, file.errorString()));
    return parseClasses(path, file.readAll(), error);
}

std::optional<ClassPalette> parseClasses(const QString& path, const QByteArray& content, QString* error) {
    auto palette = parseContent(path, content, error);
    if (!palette)
        return std::nullopt;
    if (palette->isEmpty()) {
        if (error)
            *error = QStringLiteral("the class list %1 has no classes").arg(path);
        return std::nullopt;
    }
    if (const QString shared = palette->sharedColorProblem(); !shared.isEmpty()) {
        if (error)
            *error =
                QStringLiteral("in the class list %1, %2: give every class its own colour").arg(path, shared);
        return std::nullopt;
    }
    return palette;
}

namespace {

std::optional<ClassPalette> parseContent(const QString& path, const QByteArray& content, QString* error) {
    if (path.endsWith(QLatin1String(".csv"), Qt::CaseInsensitive)) {
        ClassPalette palette;
        const QList<QByteArray> lines = content.split('\n');
        for (int i = 1; i < lines.size(); ++i) { // line 0 is the header
            const QByteArray line = lines[i].trimmed();
            if (line.isEmpty())
                continue;
            // index,"name",#hex,...: names may be quoted and contain spaces and parentheses.
            const int firstComma = line.indexOf(',');
            const int hash = line.indexOf(",#");
            if (firstComma < 0 || hash <= firstComma) {
                if (error)
                    *error = QStringLiteral("%1 line %2: expected index,name,#rrggbb").arg(path).arg(i + 1);
                return std::nullopt;
            }
            bool ok = false;
            const int id = line.left(firstComma).toInt(&ok);
            QString name = QString::fromUtf8(line.mid(firstComma + 1, hash - firstComma - 1)).trimmed();
            if (name.startsWith(QLatin1Char('"')) && name.endsWith(QLatin1Char('"')))
                name = name.mid(1, name.size() - 2);
            const QColor color(QString::fromUtf8(line.mid(hash + 1, 7)));
            if (!ok || !color.isValid()) {
                if (error)
                    *error = QStringLiteral("%1 line %2: bad index or colour").arg(path).arg(i + 1);
                return std::nullopt;
            }
            if (id == 255) {
                palette.setUnlabeledColor(color);
            } else if (!palette.insert(LabelClass{id, name, color, true})) {
                if (error)
                    *error = QStringLiteral("%1 line %2: class id %3 is repeated or out of range")
                                 .arg(path)
                                 .arg(i + 1)
                                 .arg(id);
                return std::nullopt;
            }
        }
        return palette;
    }
    if (path.endsWith(QLatin1String(".json"), Qt::CaseInsensitive) && content.contains("\"format\"")) {
        inference::ModelMetadata metadata;
        std::string why;
        if (!inference::metadataFromJson(content.toStdString(), metadata, &why)) {
            if (error)
                *error = QString::fromStdString(why);
            return std::nullopt;
        }
        return paletteOfModel(metadata);
    }
    QString why;
    auto palette = ClassPalette::fromJson(content, &why);
    if (!palette && error)
        *error = QStringLiteral("%1: %2").arg(path, why);
    return palette;
}

} // namespace

ClassPalette paletteOfModel(const inference::ModelMetadata& metadata) {
    ClassPalette palette;
    for (size_t i = 0; i < metadata.classes.size(); ++i)
        palette.insert(LabelClass{int(i), QString::fromStdString(metadata.classes[i].name),
                                  QColor(QString::fromStdString(metadata.classes[i].color)), true});
    return palette;
}

bool classesForModel(const ClassPalette& palette, std::vector<inference::ClassInfo>& classes,
                     QString* error) {
    classes.clear();
    for (int id = 0; id < palette.size(); ++id) {
        const LabelClass* c = palette.find(id);
        if (!c) {
            if (error)
                *error = QStringLiteral("class ids must run from 0 to %1 without gaps (id %2 is missing)")
                             .arg(palette.size() - 1)
                             .arg(id);
            return false;
        }
        classes.push_back({c->name.toStdString(), c->color.name().toStdString()});
    }
    return true;
}

QString missingClasses(const ClassPalette& palette, const QStringList& modelClassNames) {
    for (qsizetype id = 0; id < modelClassNames.size(); ++id) {
        if (!palette.contains(int(id)))
            return QCoreApplication::translate(
                       "ClassMapping", "The model predicts %1 classes, but the document has no class %2 "
                                       "(\"%3\"). Open a model made for this document's classes, or "
                                       "add the class.")
                .arg(modelClassNames.size())
                .arg(id)
                .arg(modelClassNames[id]);
    }
    return {};
}

} // namespace segstudio::ClassMapping
