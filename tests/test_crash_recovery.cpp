// Crash safety end to end: the real editor (MainWindow, in a process of its own:
// segstudio-crash-editor) is driven with mouse and key events, killed with SIGKILL, and the next
// start restores every finished stroke from the autosave journal, and nothing of the stroke that
// was still in progress.
#include "annotation/edit_journal.h"
#include "annotation/gdal_setup.h"
#include "annotation/label_document.h"
#include "annotation/mask_files.h"
#include "annotation/mask_painter.h"
#include "annotation/mask_tools.h"
#include "test_support.h"

#include <QFileInfo>
#include <QProcess>
#include <QTemporaryDir>
#include <QTest>

using namespace segstudio;

namespace {

struct Stroke {
    int classId; // Unlabeled for the eraser
    double diameter;
    QList<QPointF> points;
};

// What BrushTool does with press, moves and release.
void paintStroke(LabelDocument& document, const Stroke& stroke) {
    MaskPainter painter(document, QStringLiteral("Stroke"));
    const PaintSpec spec{quint8(stroke.classId)};
    QPointF last = MaskTools::snapBrushCentre(stroke.points.first(), stroke.diameter);
    MaskTools::paintSegment(painter, last, last, stroke.diameter, spec);
    for (const QPointF& p : stroke.points) {
        const QPointF c = MaskTools::snapBrushCentre(p, stroke.diameter);
        if (c != last)
            MaskTools::paintSegment(painter, last, c, stroke.diameter, spec);
        last = c;
    }
    painter.commit();
}

// The image points the editor's canvas received, in the order it printed them ("point X Y").
QList<QPointF> pointsSeen(const QByteArray& output) {
    QList<QPointF> points;
    for (const QByteArray& line : output.split('\n')) {
        const QList<QByteArray> words = line.trimmed().split(' ');
        if (words.size() == 3 && words[0] == "point")
            points.append(QPointF(words[1].toDouble(), words[2].toDouble()));
    }
    return points;
}

QString scriptOf(const QList<Stroke>& strokes) {
    QStringList steps;
    for (const Stroke& s : strokes) {
        steps << (s.classId == Unlabeled ? QStringLiteral("tool eraser")
                                         : QStringLiteral("tool brush; class %1").arg(s.classId));
        steps << QStringLiteral("size %1").arg(s.diameter);
        QStringList points;
        for (const QPointF& p : s.points)
            points << QStringLiteral("%1,%2").arg(p.x()).arg(p.y());
        steps << QStringLiteral("stroke ") + points.join(QLatin1Char(' '));
    }
    return steps.join(QStringLiteral("; "));
}

} // namespace

class TestCrashRecovery : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void initTestCase() {
        initializeGdal();
        QVERIFY(m_dir.isValid());
        m_image = m_dir.filePath(QStringLiteral("scene.tif"));
        m_mask = m_dir.filePath(QStringLiteral("scene-mask.png"));
        test::RasterSpec spec;
        spec.width = 600;
        spec.height = 400;
        spec.bands = 3;
        QVERIFY(test::writeGeoTiff(m_image, spec, [](int b, int x, int y) { return (x * b + y) % 256; }));
    }

    void killedEditorRestoresFinishedStrokes() {
        const QList<Stroke> strokes{
            {2, 9, {{20.5, 20.5}, {150.5, 60.5}, {300.5, 120.5}}},
            {4, 31, {{400, 300}, {550, 350}, {500, 380}}},
            {Unlabeled, 5, {{30.5, 20.5}, {60.5, 25.5}}},
            {1, 300, {{560, 30}}}, // a 300 px dab over tile edges and the image border
        };
        QFile::remove(m_mask); // whatever ran before, nothing is saved yet
        // Edit, make sure the journal has it, start one more stroke, and kill.
        QProcess editor;
        QByteArray output;
        start(editor, QStringLiteral("yes"),
              scriptOf(strokes) +
                  QStringLiteral("; sync; tool brush; class 3; size 50; begin 100,300 250,300"));
        QVERIFY(waitForLine(editor, "step: begin", &output));
        editor.kill(); // SIGKILL: no handler, no flush, no atexit
        QVERIFY(editor.waitForFinished(10000));
        QCOMPARE(editor.exitStatus(), QProcess::CrashExit);
        QVERIFY(!QFile::exists(m_mask)); // nothing was ever saved

        // The strokes as the canvas received them (widget pixels are whole numbers).
        const QList<QPointF> seen = pointsSeen(output);
        LabelDocument expected(LabelMask(QSize(600, 400)), ClassPalette::dubaiAerial());
        qsizetype next = 0;
        for (Stroke s : strokes) {
            QVERIFY(next + s.points.size() <= seen.size());
            for (QPointF& p : s.points)
                p = seen[next++];
            paintStroke(expected, s);
        }
        QVERIFY(expected.mask().classHistogram()[1] > 10000);

        // Restart: restore, save, quit. The mask holds the finished strokes exactly, not the
        // one in progress (class 3).
        QProcess restored;
        start(restored, QStringLiteral("yes"), QStringLiteral("save; quit"));
        QVERIFY(restored.waitForFinished(30000));
        QVERIFY2(restored.exitCode() == 0, restored.readAll().constData());
        QString error;
        const auto mask = MaskFiles::load(m_mask, QSize(600, 400), ClassPalette::dubaiAerial(), &error);
        QVERIFY2(mask, qPrintable(error));
        QCOMPARE(mask->classHistogram()[3], qint64(0));
        for (int c : {1, 2, 4, 255})
            QCOMPARE(mask->classHistogram()[size_t(c)], expected.mask().classHistogram()[size_t(c)]);
        QCOMPARE(mask->provenanceHistogram(), expected.mask().provenanceHistogram());
        QVERIFY(mask->contentEquals(expected.mask()));

        // Saved and closed normally: the journal is gone, so the next start offers nothing.
        const QString journal = EditJournal::pathFor(
            m_dir.filePath(QStringLiteral("data/segstudio/segstudio/journals")), m_image, m_mask);
        QVERIFY(QFile::exists(QFileInfo(journal).absolutePath()));
        QVERIFY2(!QFile::exists(journal), qPrintable(journal));
    }

    void discardingTheJournalKeepsTheSavedMask() {
        // A saved mask of its own, whatever ran before.
        QFile::remove(m_mask);
        QProcess first;
        start(first, QStringLiteral("no"),
              QStringLiteral("class 2; size 40; stroke 100,100 200,150; save; quit"));
        QVERIFY(first.waitForFinished(30000));
        QVERIFY2(first.exitCode() == 0, first.readAll().constData());
        QVERIFY(QFile::exists(m_mask));
        QString error;
        const auto saved = MaskFiles::load(m_mask, QSize(600, 400), ClassPalette::dubaiAerial(), &error);
        QVERIFY(saved);
        QProcess editor;
        start(editor, QStringLiteral("yes"),
              QStringLiteral("class 5; size 80; stroke 300,200 350,250; sync"));
        QVERIFY(waitForLine(editor, "step: sync"));
        editor.kill();
        QVERIFY(editor.waitForFinished(10000));

        QProcess discarded;
        start(discarded, QStringLiteral("no"), QStringLiteral("save; quit"));
        QVERIFY(discarded.waitForFinished(30000));
        QCOMPARE(discarded.exitCode(), 0);
        const auto mask = MaskFiles::load(m_mask, QSize(600, 400), ClassPalette::dubaiAerial(), &error);
        QVERIFY(mask);
        QVERIFY(mask->contentEquals(*saved));
    }

    void killedInTheMiddleOfAProjectLosesOnlyTheStrokeInProgress() {
        // Two images in a project folder: a stroke on the first, Page Down (which saves it), a
        // finished stroke on the second, one more begun, and SIGKILL.
        const QString folder = m_dir.filePath(QStringLiteral("project"));
        QVERIFY(QDir().mkpath(folder));
        for (const char* name : {"a.tif", "b.tif"})
            QVERIFY(QFile::copy(m_image, QDir(folder).filePath(QLatin1String(name))));
        QProcess editor;
        startProject(editor, folder,
                     QStringLiteral("tool brush; class 2; size 21; stroke 50,50 200,80; next; "
                                    "class 4; size 15; stroke 300,200 450,260; sync; "
                                    "class 3; size 40; begin 100,300 250,300"));
        QVERIFY(waitForLine(editor, "step: begin"));
        editor.kill();
        QVERIFY(editor.waitForFinished(10000));
        QCOMPARE(editor.exitStatus(), QProcess::CrashExit);

        // Restart: the project opens at its first image, Page Down restores the second's journal.
        QProcess restored;
        startProject(restored, folder, QStringLiteral("next; save; quit"));
        QVERIFY(restored.waitForFinished(60000));
        QVERIFY2(restored.exitCode() == 0, restored.readAll().constData());
        QString error;
        const auto first = MaskFiles::load(QDir(folder).filePath(QStringLiteral("segstudio/masks/a.png")),
                                           QSize(600, 400), ClassPalette::dubaiAerial(), &error);
        const auto second = MaskFiles::load(QDir(folder).filePath(QStringLiteral("segstudio/masks/b.png")),
                                            QSize(600, 400), ClassPalette::dubaiAerial(), &error);
        QVERIFY2(first && second, qPrintable(error));
        QVERIFY(first->classHistogram()[2] > 21 * 150);
        QCOMPARE(first->classHistogram()[4], qint64(0));
        QVERIFY(second->classHistogram()[4] > 15 * 150);
        QCOMPARE(second->classHistogram()[2], qint64(0));
        QCOMPARE(second->classHistogram()[3], qint64(0)); // the stroke in progress is the only loss
    }

private:
    void start(QProcess& process, const QString& restore, const QString& steps, QStringList files = {}) {
        if (files.isEmpty())
            files = {m_image, m_mask};
        QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
        env.insert(QStringLiteral("QT_QPA_PLATFORM"), QStringLiteral("offscreen"));
        env.insert(QStringLiteral("XDG_DATA_HOME"), m_dir.filePath(QStringLiteral("data")));
        env.insert(QStringLiteral("XDG_CONFIG_HOME"), m_dir.filePath(QStringLiteral("config")));
        process.setProcessEnvironment(env);
        process.setProcessChannelMode(QProcess::MergedChannels);
        process.start(QStringLiteral(SEGSTUDIO_CRASH_EDITOR), files + QStringList{restore, steps});
        QVERIFY(process.waitForStarted(10000));
    }

    void startProject(QProcess& process, const QString& folder, const QString& steps) {
        start(process, QStringLiteral("yes"), steps, {folder, QStringLiteral("-")});
    }

    bool waitForLine(QProcess& process, const QByteArray& line, QByteArray* output = nullptr) {
        QByteArray seen;
        while (!seen.contains(line)) {
            if (!process.waitForReadyRead(30000)) {
                qWarning("output so far: %s", seen.constData());
                return false;
            }
            seen += process.readAll();
        }
        if (output)
            *output = seen;
        return true;
    }

    QTemporaryDir m_dir;
    QString m_image;
    QString m_mask;
};

QTEST_GUILESS_MAIN(TestCrashRecovery)
#include "test_crash_recovery.moc"
