<?xml version="1.0" encoding="utf-8"?>
<!DOCTYPE TS>
<TS version="2.1" language="de_DE">
<context>
    <name>CountsText</name>
    <message numerus="yes">
        <source>%Ln passages</source>
        <translation>
            <numerusform>%Ln Passage</numerusform>
            <numerusform>%Ln Passagen</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>%Ln documents</source>
        <translation>
            <numerusform>%Ln Dokument</numerusform>
            <numerusform>%Ln Dokumente</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>%Ln files</source>
        <translation>
            <numerusform>%Ln Datei</numerusform>
            <numerusform>%Ln Dateien</numerusform>
        </translation>
    </message>
    <message>
        <source>%1 in %2</source>
        <extracomment>&quot;17,535 passages in 1,200 documents&quot;</extracomment>
        <translation>%1 in %2</translation>
    </message>
</context>
<context>
    <name>DisplayPath</name>
    <message>
        <source>%1 — %2</source>
        <extracomment>A file or folder&apos;s name, then the folder it is in: &quot;notes — ~/docs&quot;.</extracomment>
        <translation>%1 — %2</translation>
    </message>
</context>
<context>
    <name>IndexingOutcome</name>
    <message numerus="yes">
        <source>Indexing cancelled; %Ln files done are kept.</source>
        <translation>
            <numerusform>Indizierung abgebrochen; %Ln fertige Datei bleibt erhalten.</numerusform>
            <numerusform>Indizierung abgebrochen; %Ln fertige Dateien bleiben erhalten.</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>Everything is up to date (%Ln files unchanged).</source>
        <translation>
            <numerusform>Alles ist aktuell (%Ln Datei unverändert).</numerusform>
            <numerusform>Alles ist aktuell (%Ln Dateien unverändert).</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>%Ln unchanged</source>
        <translation>
            <numerusform>%Ln unverändert</numerusform>
            <numerusform>%Ln unverändert</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>%Ln removed</source>
        <translation>
            <numerusform>%Ln entfernt</numerusform>
            <numerusform>%Ln entfernt</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>%Ln skipped</source>
        <translation>
            <numerusform>%Ln übersprungen</numerusform>
            <numerusform>%Ln übersprungen</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>Indexed %Ln new or changed files with %1</source>
        <translation>
            <numerusform>%Ln neue oder geänderte Datei mit %1 indiziert</numerusform>
            <numerusform>%Ln neue oder geänderte Dateien mit %1 indiziert</numerusform>
        </translation>
    </message>
    <message>
        <source> (%1)</source>
        <translation> (%1)</translation>
    </message>
    <message>
        <source>, </source>
        <translation>, </translation>
    </message>
    <message numerus="yes">
        <source>Removed %Ln documents whose files are gone</source>
        <translation>
            <numerusform>%Ln Dokument entfernt, dessen Datei fehlt</numerusform>
            <numerusform>%Ln Dokumente entfernt, deren Dateien fehlen</numerusform>
        </translation>
    </message>
    <message>
        <source>Nothing new to publish to %1.</source>
        <translation>Nichts Neues in %1 zu veröffentlichen.</translation>
    </message>
    <message numerus="yes">
        <source>%Ln documents published to %1</source>
        <translation>
            <numerusform>%Ln Dokument in %1 veröffentlicht</numerusform>
            <numerusform>%Ln Dokumente in %1 veröffentlicht</numerusform>
        </translation>
    </message>
</context>
<context>
    <name>ModelFolderRefusal</name>
    <message>
        <source>Not a Model Folder</source>
        <translation>Kein Modellordner</translation>
    </message>
    <message>
        <source>%1 does not hold a model semsearch can use.</source>
        <translation>%1 enthält kein Modell, das semsearch verwenden kann.</translation>
    </message>
    <message>
        <source>%1

A sentence-transformers model folder holds config.json, vocab.txt and model.safetensors (or pytorch_model.bin). The model chosen before stays in use.</source>
        <translation>%1

Ein Modellordner von sentence-transformers enthält config.json, vocab.txt und model.safetensors (oder pytorch_model.bin). Das zuvor gewählte Modell bleibt in Gebrauch.</translation>
    </message>
</context>
<context>
    <name>main</name>
    <message>
        <source>Find passages in your documents by meaning.</source>
        <translation>Findet Passagen in Ihren Dokumenten nach ihrer Bedeutung.</translation>
    </message>
    <message>
        <source>Model folder (default: $SEMSEARCH_MODEL, else the saved setting).</source>
        <translation>Modellordner (Vorgabe: $SEMSEARCH_MODEL, sonst die gespeicherte Einstellung).</translation>
    </message>
    <message>
        <source>Ask for a folder to index when the window opens.</source>
        <translation>Beim Öffnen des Fensters nach einem zu indizierenden Ordner fragen.</translation>
    </message>
    <message>
        <source>Files and folders to index.</source>
        <translation>Zu indizierende Dateien und Ordner.</translation>
    </message>
    <message>
        <source>semsearch: %1: no such file or folder</source>
        <translation>semsearch: %1: Datei oder Ordner nicht gefunden</translation>
    </message>
    <message>
        <source>Index folder, or a shared index&apos;s postgresql:// location (default: $SEMSEARCH_INDEX, else the saved setting).</source>
        <translation>Indexordner oder der postgresql://-Ort eines gemeinsamen Index (Vorgabe: $SEMSEARCH_INDEX, sonst die gespeicherte Einstellung).</translation>
    </message>
</context>
<context>
    <name>semsearch::services::FolderWatcher</name>
    <message>
        <source>Only the first %1 folders are watched for changes, the most semsearch watches. Changes in other folders are found when you re-index.</source>
        <translation>Nur die ersten %1 Ordner werden auf Änderungen überwacht, mehr überwacht semsearch nicht. Änderungen in anderen Ordnern werden beim erneuten Indizieren gefunden.</translation>
    </message>
    <message>
        <source>Only %1 folders are watched for changes: the system allows no more (raise fs.inotify.max_user_watches to watch more). Changes in other folders are found when you re-index.</source>
        <translation>Nur %1 Ordner werden auf Änderungen überwacht: Das System erlaubt nicht mehr (erhöhen Sie fs.inotify.max_user_watches, um mehr zu überwachen). Änderungen in anderen Ordnern werden beim erneuten Indizieren gefunden.</translation>
    </message>
    <message>
        <source>Only %1 folders are watched for changes: the system allows no more. Changes in other folders are found when you re-index.</source>
        <translation>Nur %1 Ordner werden auf Änderungen überwacht: Das System erlaubt nicht mehr. Änderungen in anderen Ordnern werden beim erneuten Indizieren gefunden.</translation>
    </message>
</context>
<context>
    <name>semsearch::services::SearchWorker</name>
    <message>
        <source>The model is not loaded.</source>
        <translation>Das Modell ist nicht geladen.</translation>
    </message>
    <message>
        <source>“More like this” does not work on a shared index yet.</source>
        <translation>„Ähnliche Dokumente“ funktioniert in einem gemeinsamen Index noch nicht.</translation>
    </message>
</context>
<context>
    <name>semsearch::ui::DropOverlay</name>
    <message>
        <source>Drop files and folders to index them</source>
        <translation>Dateien und Ordner hier ablegen, um sie zu indizieren</translation>
    </message>
    <message>
        <source>Drop files and folders here to index them</source>
        <translation>Dateien und Ordner hier ablegen, um sie zu indizieren</translation>
    </message>
</context>
<context>
    <name>semsearch::ui::FilterBar</name>
    <message>
        <source>Markdown</source>
        <translation>Markdown</translation>
    </message>
    <message>
        <source>Plain text</source>
        <translation>Reiner Text</translation>
    </message>
    <message>
        <source>reStructuredText</source>
        <translation>reStructuredText</translation>
    </message>
    <message>
        <source>Org</source>
        <translation>Org</translation>
    </message>
    <message>
        <source>LaTeX</source>
        <translation>LaTeX</translation>
    </message>
    <message>
        <source>HTML</source>
        <translation>HTML</translation>
    </message>
    <message>
        <source>Source code</source>
        <translation>Quelltext</translation>
    </message>
    <message>
        <source>Search in folder</source>
        <translation>In Ordner suchen</translation>
    </message>
    <message>
        <source>Search in one source only</source>
        <translation>Nur in einer Quelle suchen</translation>
    </message>
    <message>
        <source>All folders</source>
        <translation>Alle Ordner</translation>
    </message>
    <message>
        <source>File type</source>
        <translation>Dateityp</translation>
    </message>
    <message>
        <source>Search in one type of file only</source>
        <translation>Nur in einem Dateityp suchen</translation>
    </message>
    <message>
        <source>Modified</source>
        <translation>Geändert</translation>
    </message>
    <message>
        <source>Any time</source>
        <translation>Jederzeit</translation>
    </message>
    <message>
        <source>Past day</source>
        <translation>Letzter Tag</translation>
    </message>
    <message>
        <source>Past week</source>
        <translation>Letzte Woche</translation>
    </message>
    <message>
        <source>Past month</source>
        <translation>Letzter Monat</translation>
    </message>
    <message>
        <source>Past year</source>
        <translation>Letztes Jahr</translation>
    </message>
    <message>
        <source>All types</source>
        <translation>Alle Typen</translation>
    </message>
    <message>
        <source>Search in files changed within this time only</source>
        <translation>Nur in Dateien suchen, die in dieser Zeit geändert wurden</translation>
    </message>
    <message>
        <source>PDF</source>
        <translation>PDF</translation>
    </message>
    <message>
        <source>Word (DOCX)</source>
        <translation>Word (DOCX)</translation>
    </message>
    <message>
        <source>OpenDocument text (ODT)</source>
        <translation>OpenDocument-Text (ODT)</translation>
    </message>
    <message>
        <source>EPUB</source>
        <translation>EPUB</translation>
    </message>
</context>
<context>
    <name>semsearch::ui::IndexingBar</name>
    <message>
        <source>less than a minute left</source>
        <translation>weniger als eine Minute übrig</translation>
    </message>
    <message numerus="yes">
        <source>about %n min left</source>
        <translation>
            <numerusform>noch etwa %n Min.</numerusform>
            <numerusform>noch etwa %n Min.</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>about %n h left</source>
        <translation>
            <numerusform>noch etwa %n Std.</numerusform>
            <numerusform>noch etwa %n Std.</numerusform>
        </translation>
    </message>
    <message>
        <source>Indexing progress</source>
        <translation>Fortschritt der Indizierung</translation>
    </message>
    <message>
        <source>Indexing failed</source>
        <translation>Indizierung fehlgeschlagen</translation>
    </message>
    <message>
        <source>&amp;Cancel</source>
        <translation>A&amp;bbrechen</translation>
    </message>
    <message>
        <source>Stop indexing after the current batch; what is done is kept (Alt+C)</source>
        <translation>Indizierung nach dem laufenden Stapel beenden; Fertiges bleibt erhalten (Alt+B)</translation>
    </message>
    <message>
        <source>Cancel indexing</source>
        <translation>Indizierung abbrechen</translation>
    </message>
    <message>
        <source>&amp;Resume</source>
        <translation>&amp;Fortsetzen</translation>
    </message>
    <message>
        <source>&amp;Pause</source>
        <translation>&amp;Anhalten</translation>
    </message>
    <message>
        <source>Resume indexing</source>
        <translation>Indizierung fortsetzen</translation>
    </message>
    <message>
        <source>Pause indexing</source>
        <translation>Indizierung anhalten</translation>
    </message>
    <message>
        <source>Go on indexing (Alt+R)</source>
        <translation>Weiter indizieren (Alt+F)</translation>
    </message>
    <message>
        <source>Pause after the current batch (Alt+P)</source>
        <translation>Nach dem laufenden Stapel anhalten (Alt+A)</translation>
    </message>
    <message>
        <source>Looking for files…</source>
        <translation>Dateien werden gesucht …</translation>
    </message>
    <message>
        <source>Removing documents whose files are gone…</source>
        <translation>Dokumente, deren Dateien fehlen, werden entfernt …</translation>
    </message>
    <message>
        <source>Saving the index…</source>
        <translation>Der Index wird gespeichert …</translation>
    </message>
    <message>
        <source>Done</source>
        <translation>Fertig</translation>
    </message>
    <message>
        <source>%1 passages/s</source>
        <translation>%1 Passagen/s</translation>
    </message>
    <message>
        <source>Indexing — %1</source>
        <translation>Indizierung — %1</translation>
    </message>
    <message>
        <source>Indexing %1 — %2</source>
        <translation>%1 wird indiziert — %2</translation>
    </message>
    <message>
        <source>Paused</source>
        <translation>Angehalten</translation>
    </message>
    <message>
        <source>Paused at %1</source>
        <translation>Angehalten bei %1</translation>
    </message>
    <message numerus="yes">
        <source>%1 of %Ln files, %2</source>
        <translation>
            <numerusform>%1 von %Ln Datei, %2</numerusform>
            <numerusform>%1 von %Ln Dateien, %2</numerusform>
        </translation>
    </message>
</context>
<context>
    <name>semsearch::ui::MainWindow</name>
    <message>
        <source>Model: %1</source>
        <translation>Modell: %1</translation>
    </message>
    <message>
        <source>No model</source>
        <translation>Kein Modell</translation>
    </message>
    <message>
        <source>The search failed</source>
        <translation>Die Suche ist fehlgeschlagen</translation>
    </message>
    <message>
        <source>Loading the model…</source>
        <translation>Das Modell wird geladen …</translation>
    </message>
    <message>
        <source>semsearch reads your documents with the sentence-transformers model &lt;b&gt;bert-base-nli-max-tokens&lt;/b&gt; (about 440 MB). Get it once with &lt;code&gt;semsearch-cli model download&lt;/code&gt;, or choose a folder that holds a sentence-transformers model.&lt;br&gt;&lt;br&gt;&lt;small&gt;%1&lt;/small&gt;</source>
        <translation>semsearch liest Ihre Dokumente mit dem sentence-transformers-Modell &lt;b&gt;bert-base-nli-max-tokens&lt;/b&gt; (etwa 440 MB). Laden Sie es einmal mit &lt;code&gt;semsearch-cli model download&lt;/code&gt; herunter, oder wählen Sie einen Ordner, der ein sentence-transformers-Modell enthält.&lt;br&gt;&lt;br&gt;&lt;small&gt;%1&lt;/small&gt;</translation>
    </message>
    <message>
        <source>Re-embedding every document with %1. The old index stays in place until the new one is complete.</source>
        <translation>Alle Dokumente werden mit %1 neu eingebettet. Der alte Index bleibt bestehen, bis der neue vollständig ist.</translation>
    </message>
    <message>
        <source>This index was built with %1; the model loaded now is %2. Re-embed everything with the new model (the old index stays until the new one is complete), or choose the model that built it.</source>
        <translation>Dieser Index wurde mit %1 erstellt; geladen ist jetzt %2. Betten Sie alles mit dem neuen Modell neu ein (der alte Index bleibt, bis der neue vollständig ist), oder wählen Sie das Modell, mit dem er erstellt wurde.</translation>
    </message>
    <message>
        <source>Type what you remember, in your own words: %1 are ready.&lt;br&gt;Press &lt;b&gt;Enter&lt;/b&gt; to open a result, &lt;b&gt;Ctrl+L&lt;/b&gt; or &lt;b&gt;/&lt;/b&gt; to come back here, &lt;b&gt;Esc&lt;/b&gt; to clear, &lt;b&gt;Up&lt;/b&gt; for recent searches.</source>
        <translation>Schreiben Sie in eigenen Worten, woran Sie sich erinnern: %1 sind bereit.&lt;br&gt;&lt;b&gt;Eingabe&lt;/b&gt; öffnet ein Ergebnis, &lt;b&gt;Strg+L&lt;/b&gt; oder &lt;b&gt;/&lt;/b&gt; führt hierher zurück, &lt;b&gt;Esc&lt;/b&gt; leert das Feld, &lt;b&gt;Pfeil nach oben&lt;/b&gt; zeigt die letzten Suchen.</translation>
    </message>
    <message>
        <source>No good match</source>
        <translation>Keine gute Übereinstimmung</translation>
    </message>
    <message>
        <source>Nothing indexed matches “%1” with these filters. Try other words, widen the filters, or add the folder that holds it.</source>
        <translation>Nichts im Index passt mit diesen Filtern zu „%1“. Versuchen Sie andere Worte, lockern Sie die Filter, oder fügen Sie den Ordner hinzu, der es enthält.</translation>
    </message>
    <message>
        <source>Upgrading the index…</source>
        <translation>Der Index wird aktualisiert …</translation>
    </message>
    <message>
        <source>An older version of semsearch made this index. It is brought up to date once; you can search as soon as that is done.</source>
        <translation>Eine ältere Version von semsearch hat diesen Index erstellt. Er wird einmalig auf den neuen Stand gebracht; danach können Sie suchen.</translation>
    </message>
    <message>
        <source>The index cannot be read</source>
        <translation>Der Index kann nicht gelesen werden</translation>
    </message>
    <message>
        <source>Indexing your first documents…</source>
        <translation>Ihre ersten Dokumente werden indiziert …</translation>
    </message>
    <message>
        <source>You can search as soon as the first files are done.</source>
        <translation>Sie können suchen, sobald die ersten Dateien fertig sind.</translation>
    </message>
    <message>
        <source>Nothing is indexed yet</source>
        <translation>Noch ist nichts indiziert</translation>
    </message>
    <message>
        <source>There is nothing to search in yet. Add the folders that hold your notes, documents or code (drop them on this window, or choose &lt;b&gt;Add Folder…&lt;/b&gt;), and search again once they are read.</source>
        <translation>Es gibt noch nichts zu durchsuchen. Fügen Sie die Ordner mit Ihren Notizen, Dokumenten oder Ihrem Code hinzu (ziehen Sie sie auf dieses Fenster, oder wählen Sie &lt;b&gt;Ordner hinzufügen …&lt;/b&gt;), und suchen Sie erneut, sobald sie gelesen sind.</translation>
    </message>
    <message>
        <source>Drop folders here</source>
        <translation>Ordner hierher ziehen</translation>
    </message>
    <message>
        <source>Drag folders or files with your notes, documents or code onto this window, and semsearch reads them so you can find passages by what they mean.</source>
        <translation>Ziehen Sie Ordner oder Dateien mit Ihren Notizen, Dokumenten oder Ihrem Code auf dieses Fenster; semsearch liest sie, damit Sie Passagen nach ihrer Bedeutung finden.</translation>
    </message>
    <message numerus="yes">
        <source>%Ln results</source>
        <translation>
            <numerusform>%Ln Ergebnis</numerusform>
            <numerusform>%Ln Ergebnisse</numerusform>
        </translation>
    </message>
    <message>
        <source>Nothing indexed yet</source>
        <translation>Noch nichts indiziert</translation>
    </message>
    <message>
        <source>%1: no such file or folder</source>
        <translation>%1: Datei oder Ordner nicht gefunden</translation>
    </message>
    <message>
        <source>Indexing starts when the model is ready.</source>
        <translation>Die Indizierung beginnt, sobald das Modell bereit ist.</translation>
    </message>
    <message>
        <source>Add a Folder to the Index</source>
        <translation>Ordner zum Index hinzufügen</translation>
    </message>
    <message>
        <source>Add Files to the Index</source>
        <translation>Dateien zum Index hinzufügen</translation>
    </message>
    <message>
        <source>Remove from the Index</source>
        <translation>Aus dem Index entfernen</translation>
    </message>
    <message>
        <source>Remove %1 and its passages from the index?</source>
        <translation>%1 mit seinen Passagen aus dem Index entfernen?</translation>
    </message>
    <message>
        <source>The files themselves are not touched.</source>
        <translation>Die Dateien selbst bleiben unberührt.</translation>
    </message>
    <message>
        <source>Remove</source>
        <translation>Entfernen</translation>
    </message>
    <message>
        <source>The index was upgraded to this version of semsearch.</source>
        <translation>Der Index wurde auf diese Version von semsearch aktualisiert.</translation>
    </message>
    <message>
        <source>Another Model Built This Index</source>
        <translation>Ein anderes Modell hat diesen Index erstellt</translation>
    </message>
    <message>
        <source>Vectors of two models cannot be mixed. Re-embed everything with the loaded model (the old index stays until the new one is complete), or choose the model that built the index.</source>
        <translation>Vektoren zweier Modelle lassen sich nicht mischen. Betten Sie alles mit dem geladenen Modell neu ein (der alte Index bleibt, bis der neue vollständig ist), oder wählen Sie das Modell, mit dem der Index erstellt wurde.</translation>
    </message>
    <message>
        <source>Re-embed Everything</source>
        <translation>Alles neu einbetten</translation>
    </message>
    <message>
        <source>Choose Model…</source>
        <translation>Modell wählen …</translation>
    </message>
    <message>
        <source>Choose a Model Folder</source>
        <translation>Modellordner wählen</translation>
    </message>
    <message>
        <source>No application is set up to open %1.</source>
        <translation>Keine Anwendung ist zum Öffnen von %1 eingerichtet.</translation>
    </message>
    <message>
        <source>The folder %1 could not be opened: no file manager is set up to open folders.</source>
        <translation>Der Ordner %1 konnte nicht geöffnet werden: Kein Dateimanager ist zum Öffnen von Ordnern eingerichtet.</translation>
    </message>
    <message>
        <source>Cannot Open</source>
        <translation>Öffnen nicht möglich</translation>
    </message>
    <message>
        <source>You can copy the path and open it another way.</source>
        <translation>Sie können den Pfad kopieren und ihn auf anderem Weg öffnen.</translation>
    </message>
    <message>
        <source>Copy Path</source>
        <translation>Pfad kopieren</translation>
    </message>
    <message>
        <source>Copied %1</source>
        <translation>%1 kopiert</translation>
    </message>
    <message>
        <source>not loaded</source>
        <translation>nicht geladen</translation>
    </message>
    <message>
        <source>About semsearch</source>
        <translation>Über semsearch</translation>
    </message>
    <message>
        <source>&lt;h3&gt;semsearch %1&lt;/h3&gt;&lt;p&gt;Finds passages in your documents by meaning.&lt;/p&gt;&lt;p&gt;Model: %2&lt;br&gt;Index: %3&lt;/p&gt;&lt;p&gt;Built with Qt %4, LibTorch, FAISS and SQLite.&lt;/p&gt;&lt;p&gt;Free software under the MIT License.&lt;br&gt;&lt;a href=&quot;%5&quot;&gt;%5&lt;/a&gt;&lt;/p&gt;</source>
        <translation>&lt;h3&gt;semsearch %1&lt;/h3&gt;&lt;p&gt;Findet Passagen in Ihren Dokumenten nach ihrer Bedeutung.&lt;/p&gt;&lt;p&gt;Modell: %2&lt;br&gt;Index: %3&lt;/p&gt;&lt;p&gt;Erstellt mit Qt %4, LibTorch, FAISS und SQLite.&lt;/p&gt;&lt;p&gt;Freie Software unter der MIT-Lizenz.&lt;br&gt;&lt;a href=&quot;%5&quot;&gt;%5&lt;/a&gt;&lt;/p&gt;</translation>
    </message>
    <message>
        <source>Describe what you are looking for…</source>
        <translation>Beschreiben Sie, wonach Sie suchen …</translation>
    </message>
    <message>
        <source>Search by meaning</source>
        <translation>Nach Bedeutung suchen</translation>
    </message>
    <message>
        <source>No model is ready</source>
        <translation>Kein Modell ist bereit</translation>
    </message>
    <message>
        <source>Download Model…</source>
        <translation>Modell herunterladen …</translation>
    </message>
    <message>
        <source>Choose Model Folder…</source>
        <translation>Modellordner wählen …</translation>
    </message>
    <message>
        <source>Settings…</source>
        <translation>Einstellungen …</translation>
    </message>
    <message>
        <source>Add Folder…</source>
        <translation>Ordner hinzufügen …</translation>
    </message>
    <message>
        <source>Another model built this index</source>
        <translation>Ein anderes Modell hat diesen Index erstellt</translation>
    </message>
    <message>
        <source>Results</source>
        <translation>Ergebnisse</translation>
    </message>
    <message>
        <source>Sources</source>
        <translation>Quellen</translation>
    </message>
    <message>
        <source>Files with a matching passage, best first, up to the number set in Settings</source>
        <translation>Dateien mit einer passenden Passage, die besten zuerst, bis zu der in den Einstellungen festgelegten Anzahl</translation>
    </message>
    <message>
        <source>Open</source>
        <translation>Öffnen</translation>
    </message>
    <message>
        <source>Open Containing Folder</source>
        <translation>Enthaltenden Ordner öffnen</translation>
    </message>
    <message>
        <source>&amp;File</source>
        <translation>&amp;Datei</translation>
    </message>
    <message>
        <source>&amp;Add Folder…</source>
        <translation>Ordner &amp;hinzufügen …</translation>
    </message>
    <message>
        <source>Add &amp;Files…</source>
        <translation>&amp;Dateien hinzufügen …</translation>
    </message>
    <message>
        <source>&amp;Open Result</source>
        <translation>Ergebnis ö&amp;ffnen</translation>
    </message>
    <message>
        <source>Open Containing &amp;Folder</source>
        <translation>Enthaltenden &amp;Ordner öffnen</translation>
    </message>
    <message>
        <source>&amp;Download Model…</source>
        <translation>Modell he&amp;runterladen …</translation>
    </message>
    <message>
        <source>&amp;Settings…</source>
        <translation>&amp;Einstellungen …</translation>
    </message>
    <message>
        <source>&amp;Quit</source>
        <translation>&amp;Beenden</translation>
    </message>
    <message>
        <source>&amp;Edit</source>
        <translation>&amp;Bearbeiten</translation>
    </message>
    <message>
        <source>&amp;Search</source>
        <translation>&amp;Suchen</translation>
    </message>
    <message>
        <source>&amp;Copy Path</source>
        <translation>Pfad &amp;kopieren</translation>
    </message>
    <message>
        <source>&amp;View</source>
        <translation>&amp;Ansicht</translation>
    </message>
    <message>
        <source>&amp;Help</source>
        <translation>&amp;Hilfe</translation>
    </message>
    <message>
        <source>&amp;About semsearch</source>
        <translation>Ü&amp;ber semsearch</translation>
    </message>
    <message numerus="yes">
        <source>Remove these %Ln sources and their passages from the index?</source>
        <translation>
            <numerusform>Diese Quelle mit ihren Passagen aus dem Index entfernen?</numerusform>
            <numerusform>Diese %Ln Quellen mit ihren Passagen aus dem Index entfernen?</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>Removed %Ln documents from the index.</source>
        <translation>
            <numerusform>%Ln Dokument aus dem Index entfernt.</numerusform>
            <numerusform>%Ln Dokumente aus dem Index entfernt.</numerusform>
        </translation>
    </message>
    <message>
        <source>Results follow as you type. Down moves into the results, Up shows recent searches, Esc clears.</source>
        <translation>Die Ergebnisse folgen beim Tippen. Pfeil nach unten führt in die Ergebnisse, Pfeil nach oben zeigt die letzten Suchen, Esc leert das Feld.</translation>
    </message>
    <message>
        <source>The best matching files, each with its matching passages. Enter opens the file.</source>
        <translation>Die am besten passenden Dateien, jede mit ihren passenden Passagen. Eingabe öffnet die Datei.</translation>
    </message>
    <message>
        <source>&amp;Recent Searches</source>
        <translation>&amp;Letzte Suchen</translation>
    </message>
    <message>
        <source>C&amp;lear Search History</source>
        <translation>Such&amp;verlauf löschen</translation>
    </message>
    <message>
        <source>Search by</source>
        <translation>Suchen nach</translation>
    </message>
    <message>
        <source>Match by meaning and by the words typed (&quot;a phrase&quot;, -word to leave out), by meaning only, or by the words only</source>
        <translation>Nach Bedeutung und nach den eingegebenen Wörtern suchen („eine Wortgruppe“, -Wort zum Ausschließen), nur nach Bedeutung oder nur nach den Wörtern</translation>
    </message>
    <message>
        <source>Meaning + words</source>
        <translation>Bedeutung + Wörter</translation>
    </message>
    <message>
        <source>Meaning</source>
        <translation>Bedeutung</translation>
    </message>
    <message>
        <source>Words</source>
        <translation>Wörter</translation>
    </message>
    <message>
        <source>Find &amp;Similar Documents</source>
        <translation>Ä&amp;hnliche Dokumente finden</translation>
    </message>
    <message>
        <source>%1. New documents from other machines show once it is back (trying every 30 seconds).</source>
        <translation>%1. Neue Dokumente anderer Rechner erscheinen, sobald die Verbindung wieder besteht (neuer Versuch alle 30 Sekunden).</translation>
    </message>
    <message>
        <source>Connected to %1 again.</source>
        <translation>Wieder mit %1 verbunden.</translation>
    </message>
    <message numerus="yes">
        <source>Removed %Ln documents from %1.</source>
        <translation>
            <numerusform>%Ln Dokument aus %1 entfernt.</numerusform>
            <numerusform>%Ln Dokumente aus %1 entfernt.</numerusform>
        </translation>
    </message>
    <message>
        <source>Re-embedding cancelled; %1 keeps its old vectors until it is run again.</source>
        <translation>Neueinbettung abgebrochen; %1 behält die alten Vektoren, bis sie erneut läuft.</translation>
    </message>
    <message numerus="yes">
        <source>Re-embedded %Ln passages of %1.</source>
        <translation>
            <numerusform>%Ln Passage von %1 neu eingebettet.</numerusform>
            <numerusform>%Ln Passagen von %1 neu eingebettet.</numerusform>
        </translation>
    </message>
</context>
<context>
    <name>semsearch::ui::ModelDownloadDialog</name>
    <message>
        <source>Download a model</source>
        <translation>Modell herunterladen</translation>
    </message>
    <message>
        <source>semsearch needs a sentence-transformers model with a BERT encoder. It is fetched from the Hugging Face hub (%1) and checked before it is used.</source>
        <translation>semsearch braucht ein sentence-transformers-Modell mit BERT-Encoder. Es wird vom Hugging-Face-Hub (%1) geladen und vor der Verwendung geprüft.</translation>
    </message>
    <message>
        <source>Repository</source>
        <translation>Repository</translation>
    </message>
    <message>
        <source>&amp;Repository:</source>
        <translation>&amp;Repository:</translation>
    </message>
    <message>
        <source>Revision</source>
        <translation>Revision</translation>
    </message>
    <message>
        <source>A branch, tag or commit of the repository.</source>
        <translation>Ein Branch, Tag oder Commit des Repositorys.</translation>
    </message>
    <message>
        <source>Re&amp;vision:</source>
        <translation>Re&amp;vision:</translation>
    </message>
    <message>
        <source>&amp;Model folder:</source>
        <translation>&amp;Modellordner:</translation>
    </message>
    <message>
        <source>Model folder</source>
        <translation>Modellordner</translation>
    </message>
    <message>
        <source>&amp;Browse…</source>
        <translation>&amp;Durchsuchen …</translation>
    </message>
    <message>
        <source>Replace a model already in that folder</source>
        <translation>Ein Modell in diesem Ordner ersetzen</translation>
    </message>
    <message>
        <source>Download progress</source>
        <translation>Fortschritt des Herunterladens</translation>
    </message>
    <message>
        <source>&amp;Download</source>
        <translation>&amp;Herunterladen</translation>
    </message>
    <message>
        <source>&amp;Cancel download</source>
        <translation>Herunterladen &amp;abbrechen</translation>
    </message>
    <message>
        <source>Where to put the model</source>
        <translation>Wohin das Modell soll</translation>
    </message>
    <message>
        <source>Enter a repository (owner/name) and a revision.</source>
        <translation>Geben Sie ein Repository (Besitzer/Name) und eine Revision ein.</translation>
    </message>
    <message>
        <source>Connecting…</source>
        <translation>Verbindung wird hergestellt …</translation>
    </message>
    <message>
        <source>Cancelling…</source>
        <translation>Wird abgebrochen …</translation>
    </message>
    <message>
        <source>Checking %1 (file %2 of %3)…</source>
        <translation>%1 wird geprüft (Datei %2 von %3) …</translation>
    </message>
    <message>
        <source>%1 (file %2 of %3): %4 of %5 MB</source>
        <translation>%1 (Datei %2 von %3): %4 von %5 MB</translation>
    </message>
    <message>
        <source>?</source>
        <translation>?</translation>
    </message>
    <message>
        <source>, %1 MB/s</source>
        <translation>, %1 MB/s</translation>
    </message>
    <message>
        <source>The model is in %1.</source>
        <translation>Das Modell liegt in %1.</translation>
    </message>
    <message>
        <source>Cancelled. What was downloaded is kept: Download continues from there.</source>
        <translation>Abgebrochen. Bereits Heruntergeladenes bleibt erhalten: Herunterladen setzt dort wieder an.</translation>
    </message>
    <message>
        <source>The proxy server this computer is set to use did not let the download through. Check the proxy in your system&apos;s network settings. (%1)</source>
        <translation>Der Proxy-Server, den dieser Computer verwenden soll, hat das Herunterladen nicht durchgelassen. Prüfen Sie den Proxy in den Netzwerkeinstellungen Ihres Systems. (%1)</translation>
    </message>
    <message>
        <source>semsearch cannot reach the model&apos;s server. Check that this computer is online; if your network needs a proxy, set it in your system&apos;s network settings. You can also copy a model folder from another computer and choose it in Settings. (%1)</source>
        <translation>semsearch erreicht den Server des Modells nicht. Prüfen Sie, ob dieser Computer online ist; braucht Ihr Netzwerk einen Proxy, richten Sie ihn in den Netzwerkeinstellungen Ihres Systems ein. Sie können auch einen Modellordner von einem anderen Computer kopieren und ihn in den Einstellungen wählen. (%1)</translation>
    </message>
</context>
<context>
    <name>semsearch::ui::PreviewPane</name>
    <message>
        <source>Previous match</source>
        <translation>Vorheriger Treffer</translation>
    </message>
    <message>
        <source>Previous match (%1)</source>
        <translation>Vorheriger Treffer (%1)</translation>
    </message>
    <message>
        <source>Next match</source>
        <translation>Nächster Treffer</translation>
    </message>
    <message>
        <source>Next match (%1)</source>
        <translation>Nächster Treffer (%1)</translation>
    </message>
    <message>
        <source>Document text</source>
        <translation>Text des Dokuments</translation>
    </message>
    <message>
        <source>%1 can no longer be read: %2</source>
        <translation>%1 kann nicht mehr gelesen werden: %2</translation>
    </message>
    <message>
        <source>%1 changed since it was indexed; highlighting only what still matches (%2 of %3).</source>
        <translation>%1 wurde seit der Indizierung geändert; hervorgehoben ist nur, was noch passt (%2 von %3).</translation>
    </message>
    <message>
        <source>match %1 of %2</source>
        <translation>Treffer %1 von %2</translation>
    </message>
    <message>
        <source>no match shown</source>
        <translation>kein Treffer angezeigt</translation>
    </message>
    <message>
        <source>The file with its matching passages highlighted. F3 and Shift+F3 go to the next and previous match; Enter opens the file.</source>
        <translation>Die Datei mit hervorgehobenen passenden Passagen. F3 und Umschalt+F3 führen zum nächsten und vorherigen Treffer; Eingabe öffnet die Datei.</translation>
    </message>
    <message>
        <source>Reading %1…</source>
        <translation>%1 wird gelesen …</translation>
    </message>
    <message>
        <source>page %1</source>
        <translation>Seite %1</translation>
    </message>
    <message>
        <source>match %1 of %2 · %3</source>
        <translation>Treffer %1 von %2 · %3</translation>
    </message>
    <message>
        <source>Open at page %1</source>
        <translation>Auf Seite %1 öffnen</translation>
    </message>
    <message>
        <source>The index cannot be read now; these are the matching passages, in order.</source>
        <translation>Der Index ist gerade nicht lesbar; dies sind die passenden Passagen, in ihrer Reihenfolge.</translation>
    </message>
    <message>
        <source>This is its text as the index holds it.</source>
        <translation>Dies ist der Text, wie der Index ihn enthält.</translation>
    </message>
    <message>
        <source>%1 is not on this computer any more. %2</source>
        <translation>%1 ist nicht mehr auf diesem Computer. %2</translation>
    </message>
    <message>
        <source>On %1: %2, for reference; the file is not on this computer. %3</source>
        <translation>Auf %1: %2, zur Information; die Datei ist nicht auf diesem Computer. %3</translation>
    </message>
</context>
<context>
    <name>semsearch::ui::ResultDelegate</name>
    <message>
        <source>today %1</source>
        <translation>heute %1</translation>
    </message>
    <message>
        <source>yesterday %1</source>
        <translation>gestern %1</translation>
    </message>
    <message>
        <source>%1 · %2</source>
        <translation>%1 · %2</translation>
    </message>
    <message>
        <source>line %1</source>
        <translation>Zeile %1</translation>
    </message>
    <message numerus="yes">
        <source>%1 · also in %Ln other places</source>
        <translation>
            <numerusform>%1 · dazu %Ln Kopie an anderer Stelle</numerusform>
            <numerusform>%1 · dazu %Ln Kopien an anderer Stelle</numerusform>
        </translation>
    </message>
</context>
<context>
    <name>semsearch::ui::ResultListModel</name>
    <message>
        <source>%1 in %2, score %3: %4</source>
        <translation>%1 in %2, Wert %3: %4</translation>
    </message>
    <message>
        <source>Also in %1</source>
        <translation>Auch in %1</translation>
    </message>
    <message>
        <source>identical copy in %1</source>
        <translation>identische Kopie in %1</translation>
    </message>
    <message>
        <source>Also in:</source>
        <translation>Auch in:</translation>
    </message>
    <message>
        <source>page %1</source>
        <translation>Seite %1</translation>
    </message>
    <message>
        <source>line %1</source>
        <translation>Zeile %1</translation>
    </message>
    <message>
        <source>%1, score %2: %3</source>
        <translation>%1, Wert %2: %3</translation>
    </message>
    <message>
        <source>On %1: %2</source>
        <translation>Auf %1: %2</translation>
    </message>
    <message>
        <source>on %1: %2</source>
        <translation>auf %1: %2</translation>
    </message>
</context>
<context>
    <name>semsearch::ui::SearchHistoryPopup</name>
    <message>
        <source>Recent searches</source>
        <translation>Letzte Suchen</translation>
    </message>
</context>
<context>
    <name>semsearch::ui::SettingsDialog</name>
    <message>
        <source>Automatic: the index&apos;s, else the fastest that keeps quality</source>
        <translation>Automatisch: die des Index, sonst die schnellste, die die Qualität hält</translation>
    </message>
    <message>
        <source>fp32: exact reference</source>
        <translation>fp32: exakte Referenz</translation>
    </message>
    <message>
        <source>%1: not on this computer (%2)</source>
        <translation>%1: auf diesem Computer nicht verfügbar (%2)</translation>
    </message>
    <message>
        <source>%1: passed, %2</source>
        <translation>%1: bestanden, %2</translation>
    </message>
    <message>
        <source>%1: too inaccurate for this model, %2</source>
        <translation>%1: für dieses Modell zu ungenau, %2</translation>
    </message>
    <message>
        <source>%1: checked against fp32 when first used</source>
        <translation>%1: wird bei der ersten Verwendung mit fp32 verglichen</translation>
    </message>
    <message>
        <source>Settings</source>
        <translation>Einstellungen</translation>
    </message>
    <message>
        <source>Model folder</source>
        <translation>Modellordner</translation>
    </message>
    <message>
        <source>Brow&amp;se…</source>
        <translation>Dur&amp;chsuchen …</translation>
    </message>
    <message>
        <source>Browse for the model folder</source>
        <translation>Modellordner suchen</translation>
    </message>
    <message>
        <source>Model status</source>
        <translation>Zustand des Modells</translation>
    </message>
    <message>
        <source>Model folder set for this session</source>
        <translation>Modellordner für diese Sitzung festgelegt</translation>
    </message>
    <message>
        <source>Precision</source>
        <translation>Genauigkeit</translation>
    </message>
    <message>
        <source>How the model computes. bf16 and int8 are two to three times faster on processors that have the instructions; each is used only after it agreed with fp32 on a set of sample texts and your index&apos;s passages (mean cosine at least 0.999 for bf16, 0.99 and 85% of the same nearest neighbours for int8). Changing the precision of an index that holds passages re-embeds it: semsearch-cli index --reembed.</source>
        <translation>Wie das Modell rechnet. bf16 und int8 sind auf Prozessoren mit den passenden Befehlen zwei- bis dreimal schneller; beide werden nur verwendet, nachdem sie auf Beispieltexten und den Passagen Ihres Index mit fp32 übereinstimmten (mittlerer Kosinus mindestens 0,999 für bf16, 0,99 und 85 % gleiche nächste Nachbarn für int8). Die Genauigkeit eines Index mit Passagen zu ändern bettet ihn neu ein: semsearch-cli index --reembed.</translation>
    </message>
    <message>
        <source>Brows&amp;e…</source>
        <translation>Durchs&amp;uchen …</translation>
    </message>
    <message>
        <source>Browse for the index folder</source>
        <translation>Indexordner suchen</translation>
    </message>
    <message>
        <source>Index folder set for this session</source>
        <translation>Indexordner für diese Sitzung festgelegt</translation>
    </message>
    <message>
        <source>Batch size</source>
        <translation>Stapelgröße</translation>
    </message>
    <message>
        <source>Passages embedded together. Larger batches are a little faster and take more memory.</source>
        <translation>Gemeinsam eingebettete Passagen. Größere Stapel sind etwas schneller und brauchen mehr Speicher.</translation>
    </message>
    <message>
        <source>Threads</source>
        <translation>Threads</translation>
    </message>
    <message>
        <source>Automatic</source>
        <translation>Automatisch</translation>
    </message>
    <message>
        <source>Processor threads used to embed. Automatic uses one per core.</source>
        <translation>Prozessor-Threads zum Einbetten. Automatisch verwendet einen pro Kern.</translation>
    </message>
    <message>
        <source>Documents shown per search</source>
        <translation>Angezeigte Dokumente pro Suche</translation>
    </message>
    <message>
        <source>Excluded names</source>
        <translation>Ausgeschlossene Namen</translation>
    </message>
    <message>
        <source>One pattern per line, matched against the name of every file and folder, ignoring case: * matches any text, ? one character. A matching folder is skipped with everything in it. Hidden and version-control folders are always skipped.</source>
        <translation>Ein Muster pro Zeile, verglichen mit dem Namen jeder Datei und jedes Ordners ohne Rücksicht auf Groß- und Kleinschreibung: * passt auf beliebigen Text, ? auf ein Zeichen. Ein passender Ordner wird mit seinem ganzen Inhalt übersprungen. Versteckte Ordner und Ordner der Versionsverwaltung werden immer übersprungen.</translation>
    </message>
    <message>
        <source>Maximum file size</source>
        <translation>Höchste Dateigröße</translation>
    </message>
    <message>
        <source> MiB</source>
        <translation> MiB</translation>
    </message>
    <message>
        <source>No limit</source>
        <translation>Keine Grenze</translation>
    </message>
    <message>
        <source>Larger files are skipped and listed with the reason.</source>
        <translation>Größere Dateien werden übersprungen und mit dem Grund aufgeführt.</translation>
    </message>
    <message>
        <source>&amp;Watch indexed folders and re-index what changes</source>
        <translation>Indizierte Ordner &amp;überwachen und Geändertes neu indizieren</translation>
    </message>
    <message>
        <source>Watch indexed folders</source>
        <translation>Indizierte Ordner überwachen</translation>
    </message>
    <message>
        <source>When changes take effect</source>
        <translation>Wann Änderungen wirken</translation>
    </message>
    <message>
        <source>The model and index folders are opened again as soon as you press OK. Batch size and threads apply from the next time the model is opened; excluded names and the size limit from the next indexing; watching and the number of documents shown at once.</source>
        <translation>Modell- und Indexordner werden neu geöffnet, sobald Sie OK drücken. Stapelgröße und Threads gelten ab dem nächsten Öffnen des Modells, ausgeschlossene Namen und die Größengrenze ab der nächsten Indizierung, das Überwachen und die Zahl angezeigter Dokumente sofort.</translation>
    </message>
    <message>
        <source>Choose the Model Folder</source>
        <translation>Modellordner wählen</translation>
    </message>
    <message>
        <source>Choose the Index Folder</source>
        <translation>Indexordner wählen</translation>
    </message>
    <message>
        <source>Model</source>
        <translation>Modell</translation>
    </message>
    <message>
        <source>&amp;Model folder:</source>
        <translation>&amp;Modellordner:</translation>
    </message>
    <message>
        <source>&amp;Precision:</source>
        <translation>&amp;Genauigkeit:</translation>
    </message>
    <message>
        <source>&amp;Batch size:</source>
        <translation>&amp;Stapelgröße:</translation>
    </message>
    <message>
        <source>&amp;Threads:</source>
        <translation>&amp;Threads:</translation>
    </message>
    <message>
        <source>Index</source>
        <translation>Index</translation>
    </message>
    <message>
        <source>E&amp;xcluded names:</source>
        <translation>Ausgeschlossene &amp;Namen:</translation>
    </message>
    <message>
        <source>Maximum file si&amp;ze:</source>
        <translation>Höchste D&amp;ateigröße:</translation>
    </message>
    <message>
        <source>Search</source>
        <translation>Suche</translation>
    </message>
    <message>
        <source>&amp;Documents shown:</source>
        <translation>Angezeigte &amp;Dokumente:</translation>
    </message>
    <message>
        <source>Set by %1 for this session. The saved folder, %2, applies when semsearch starts without it.</source>
        <translation>Für diese Sitzung durch %1 festgelegt. Der gespeicherte Ordner, %2, gilt, wenn semsearch ohne diese Angabe startet.</translation>
    </message>
    <message>
        <source>%1: %2 dimensions, %3 pooling</source>
        <translation>%1: %2 Dimensionen, %3-Pooling</translation>
    </message>
    <message>
        <source>Download mirror</source>
        <translation>Spiegelserver für Downloads</translation>
    </message>
    <message>
        <source>The address of a mirror of the model hub to download models from, e.g. https://hf-mirror.example.org. Empty: the hub itself.</source>
        <translation>Die Adresse eines Spiegelservers des Modell-Hubs, von dem Modelle heruntergeladen werden, z. B. https://hf-mirror.example.org. Leer: der Hub selbst.</translation>
    </message>
    <message>
        <source>Download proxy</source>
        <translation>Proxy für Downloads</translation>
    </message>
    <message>
        <source>host:port</source>
        <translation>Host:Port</translation>
    </message>
    <message>
        <source>An HTTP proxy for model downloads: host:port, or http://user:password@host:port. Empty: the proxy your system&apos;s environment sets, if any.</source>
        <translation>Ein HTTP-Proxy für Modell-Downloads: Host:Port oder http://Benutzer:Passwort@Host:Port. Leer: der Proxy, den die Umgebung Ihres Systems festlegt, falls vorhanden.</translation>
    </message>
    <message>
        <source>Model Download</source>
        <translation>Modell-Download</translation>
    </message>
    <message>
        <source>&amp;Hub mirror:</source>
        <translation>&amp;Hub-Spiegelserver:</translation>
    </message>
    <message>
        <source>Prox&amp;y:</source>
        <translation>Pro&amp;xy:</translation>
    </message>
    <message>
        <source>The hub mirror &quot;%1&quot; is not a web address. Write it as https://host or https://host:port, or leave it empty to use the hub.</source>
        <translation>Der Hub-Spiegelserver „%1“ ist keine Webadresse. Schreiben Sie ihn als https://host oder https://host:port, oder lassen Sie das Feld leer, um den Hub zu verwenden.</translation>
    </message>
    <message>
        <source>The proxy &quot;%1&quot; is not an address. Write it as host:port, e.g. proxy.example.org:3128, or leave it empty.</source>
        <translation>Der Proxy „%1“ ist keine Adresse. Schreiben Sie ihn als Host:Port, z. B. proxy.example.org:3128, oder lassen Sie das Feld leer.</translation>
    </message>
    <message>
        <source>Index folder or server</source>
        <translation>Indexordner oder Server</translation>
    </message>
    <message>
        <source>A folder, or postgresql://host/database</source>
        <translation>Ein Ordner oder postgresql://host/datenbank</translation>
    </message>
    <message>
        <source>A folder on this computer, or a team&apos;s shared index on a PostgreSQL server: postgresql://[user@]host[:port]/database. No password here: semsearch does not keep passwords; put it in ~/.pgpass or PGPASSWORD.</source>
        <translation>Ein Ordner auf diesem Computer oder der gemeinsame Index eines Teams auf einem PostgreSQL-Server: postgresql://[benutzer@]host[:port]/datenbank. Kein Passwort hier: semsearch speichert keine Passwörter; legen Sie es in ~/.pgpass oder PGPASSWORD ab.</translation>
    </message>
    <message>
        <source>Index problem</source>
        <translation>Problem mit dem Index</translation>
    </message>
    <message>
        <source>&amp;Index folder or server:</source>
        <translation>&amp;Indexordner oder Server:</translation>
    </message>
    <message>
        <source>%1: semsearch does not keep passwords: put it in ~/.pgpass or PGPASSWORD.</source>
        <translation>%1: semsearch speichert keine Passwörter: legen Sie es in ~/.pgpass oder PGPASSWORD ab.</translation>
    </message>
</context>
<context>
    <name>semsearch::ui::SourcesPanel</name>
    <message>
        <source>Add &amp;Folder…</source>
        <translation>&amp;Ordner hinzufügen …</translation>
    </message>
    <message>
        <source>Index a folder and everything in it</source>
        <translation>Einen Ordner mit allem darin indizieren</translation>
    </message>
    <message>
        <source>Add F&amp;iles…</source>
        <translation>&amp;Dateien hinzufügen …</translation>
    </message>
    <message>
        <source>Index single files</source>
        <translation>Einzelne Dateien indizieren</translation>
    </message>
    <message>
        <source>Add</source>
        <translation>Hinzufügen</translation>
    </message>
    <message>
        <source>Add a folder or files to the index</source>
        <translation>Einen Ordner oder Dateien zum Index hinzufügen</translation>
    </message>
    <message>
        <source>Add to the index</source>
        <translation>Zum Index hinzufügen</translation>
    </message>
    <message>
        <source>Re-index</source>
        <translation>Neu indizieren</translation>
    </message>
    <message>
        <source>Look for new, changed and deleted files in the selected sources</source>
        <translation>In den gewählten Quellen nach neuen, geänderten und gelöschten Dateien suchen</translation>
    </message>
    <message>
        <source>Remove</source>
        <translation>Entfernen</translation>
    </message>
    <message>
        <source>Remove the selected sources from the index (the files stay)</source>
        <translation>Die gewählten Quellen aus dem Index entfernen (die Dateien bleiben)</translation>
    </message>
    <message>
        <source>Source</source>
        <translation>Quelle</translation>
    </message>
    <message>
        <source>Files</source>
        <translation>Dateien</translation>
    </message>
    <message>
        <source>Passages</source>
        <translation>Passagen</translation>
    </message>
    <message>
        <source>State</source>
        <translation>Zustand</translation>
    </message>
    <message>
        <source>Indexed sources</source>
        <translation>Indizierte Quellen</translation>
    </message>
    <message>
        <source>Sources</source>
        <translation>Quellen</translation>
    </message>
    <message>
        <source>File</source>
        <translation>Datei</translation>
    </message>
    <message>
        <source>Reason</source>
        <translation>Grund</translation>
    </message>
    <message>
        <source>Skipped files</source>
        <translation>Übersprungene Dateien</translation>
    </message>
    <message>
        <source>Skipped</source>
        <translation>Übersprungen</translation>
    </message>
    <message>
        <source>Indexing</source>
        <translation>Wird indiziert</translation>
    </message>
    <message>
        <source>Error</source>
        <translation>Fehler</translation>
    </message>
    <message>
        <source>Ready</source>
        <translation>Bereit</translation>
    </message>
    <message>
        <source>Last indexed %1</source>
        <translation>Zuletzt indiziert %1</translation>
    </message>
    <message>
        <source>Incomplete</source>
        <translation>Unvollständig</translation>
    </message>
    <message>
        <source>Indexing did not finish; re-index to complete it</source>
        <translation>Die Indizierung wurde nicht abgeschlossen; indizieren Sie neu, um sie zu vervollständigen</translation>
    </message>
    <message>
        <source>Skipped (%1)</source>
        <translation>Übersprungen (%1)</translation>
    </message>
    <message>
        <source>Nothing indexed yet.</source>
        <translation>Noch nichts indiziert.</translation>
    </message>
    <message>
        <source>The folders and files in the index with their files, passages and state</source>
        <translation>Die Ordner und Dateien im Index mit ihren Dateien, Passagen und ihrem Zustand</translation>
    </message>
    <message>
        <source>Files that indexing left out, with the reason</source>
        <translation>Dateien, die beim Indizieren ausgelassen wurden, mit dem Grund</translation>
    </message>
    <message>
        <source>Sources or skipped files</source>
        <translation>Quellen oder übersprungene Dateien</translation>
    </message>
    <message>
        <source>Switches between the indexed sources and the files that were skipped</source>
        <translation>Wechselt zwischen den indizierten Quellen und den übersprungenen Dateien</translation>
    </message>
    <message>
        <source>%1, on %2</source>
        <translation>%1, auf %2</translation>
    </message>
    <message>
        <source>%1 on %2</source>
        <translation>%1 auf %2</translation>
    </message>
    <message>
        <source>Indexed by %1</source>
        <translation>Indexiert von %1</translation>
    </message>
    <message>
        <source>Indexed by %1: only that machine can read its files, and re-index or remove it</source>
        <translation>Indexiert von %1: Nur dieser Rechner kann die Dateien lesen und die Quelle neu indexieren oder entfernen</translation>
    </message>
</context>
</TS>
