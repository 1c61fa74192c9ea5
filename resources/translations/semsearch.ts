<?xml version="1.0" encoding="utf-8"?>
<!DOCTYPE TS>
<TS version="2.1">
<context>
    <name>CountsText</name>
    <message numerus="yes">
        <source>%Ln passages</source>
        <translation type="unfinished">
            <numerusform></numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>%Ln documents</source>
        <translation type="unfinished">
            <numerusform></numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>%Ln files</source>
        <translation type="unfinished">
            <numerusform></numerusform>
        </translation>
    </message>
    <message>
        <source>%1 in %2</source>
        <extracomment>&quot;17,535 passages in 1,200 documents&quot;</extracomment>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>DisplayPath</name>
    <message>
        <source>%1 — %2</source>
        <extracomment>A file or folder&apos;s name, then the folder it is in: &quot;notes — ~/docs&quot;.</extracomment>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>IndexingOutcome</name>
    <message numerus="yes">
        <source>Indexing cancelled; %Ln files done are kept.</source>
        <translation type="unfinished">
            <numerusform></numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>Everything is up to date (%Ln files unchanged).</source>
        <translation type="unfinished">
            <numerusform></numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>%Ln unchanged</source>
        <translation type="unfinished">
            <numerusform></numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>%Ln removed</source>
        <translation type="unfinished">
            <numerusform></numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>%Ln skipped</source>
        <translation type="unfinished">
            <numerusform></numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>Indexed %Ln new or changed files with %1</source>
        <translation type="unfinished">
            <numerusform></numerusform>
        </translation>
    </message>
    <message>
        <source> (%1)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>, </source>
        <translation type="unfinished"></translation>
    </message>
    <message numerus="yes">
        <source>Removed %Ln documents whose files are gone</source>
        <translation type="unfinished">
            <numerusform></numerusform>
        </translation>
    </message>
    <message>
        <source>Nothing new to publish to %1.</source>
        <translation type="unfinished"></translation>
    </message>
    <message numerus="yes">
        <source>%Ln documents published to %1</source>
        <translation type="unfinished">
            <numerusform></numerusform>
        </translation>
    </message>
</context>
<context>
    <name>ModelFolderRefusal</name>
    <message>
        <source>Not a Model Folder</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>%1 does not hold a model semsearch can use.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>%1

A sentence-transformers model folder holds config.json, vocab.txt and model.safetensors (or pytorch_model.bin). The model chosen before stays in use.</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>main</name>
    <message>
        <source>Find passages in your documents by meaning.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Model folder (default: $SEMSEARCH_MODEL, else the saved setting).</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Ask for a folder to index when the window opens.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Files and folders to index.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>semsearch: %1: no such file or folder</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Index folder, or a shared index&apos;s postgresql:// location (default: $SEMSEARCH_INDEX, else the saved setting).</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>semsearch::services::FolderWatcher</name>
    <message>
        <source>Only the first %1 folders are watched for changes, the most semsearch watches. Changes in other folders are found when you re-index.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Only %1 folders are watched for changes: the system allows no more (raise fs.inotify.max_user_watches to watch more). Changes in other folders are found when you re-index.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Only %1 folders are watched for changes: the system allows no more. Changes in other folders are found when you re-index.</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>semsearch::services::SearchWorker</name>
    <message>
        <source>The model is not loaded.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>“More like this” does not work on a shared index yet.</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>semsearch::ui::DropOverlay</name>
    <message>
        <source>Drop files and folders to index them</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Drop files and folders here to index them</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>semsearch::ui::FilterBar</name>
    <message>
        <source>Markdown</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Plain text</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>reStructuredText</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Org</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>LaTeX</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>HTML</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Source code</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Search in folder</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Search in one source only</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>All folders</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>File type</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Search in one type of file only</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Modified</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Any time</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Past day</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Past week</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Past month</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Past year</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>All types</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Search in files changed within this time only</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>PDF</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Word (DOCX)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>OpenDocument text (ODT)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>EPUB</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>semsearch::ui::IndexingBar</name>
    <message>
        <source>less than a minute left</source>
        <translation type="unfinished"></translation>
    </message>
    <message numerus="yes">
        <source>about %n min left</source>
        <translation type="unfinished">
            <numerusform></numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>about %n h left</source>
        <translation type="unfinished">
            <numerusform></numerusform>
        </translation>
    </message>
    <message>
        <source>Indexing progress</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Indexing failed</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>&amp;Cancel</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Stop indexing after the current batch; what is done is kept (Alt+C)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Cancel indexing</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>&amp;Resume</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>&amp;Pause</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Resume indexing</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Pause indexing</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Go on indexing (Alt+R)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Pause after the current batch (Alt+P)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Looking for files…</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Removing documents whose files are gone…</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Saving the index…</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Done</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>%1 passages/s</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Indexing — %1</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Indexing %1 — %2</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Paused</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Paused at %1</source>
        <translation type="unfinished"></translation>
    </message>
    <message numerus="yes">
        <source>%1 of %Ln files, %2</source>
        <translation type="unfinished">
            <numerusform></numerusform>
        </translation>
    </message>
</context>
<context>
    <name>semsearch::ui::MainWindow</name>
    <message>
        <source>Model: %1</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>No model</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>The search failed</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Loading the model…</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>semsearch reads your documents with the sentence-transformers model &lt;b&gt;bert-base-nli-max-tokens&lt;/b&gt; (about 440 MB). Get it once with &lt;code&gt;semsearch-cli model download&lt;/code&gt;, or choose a folder that holds a sentence-transformers model.&lt;br&gt;&lt;br&gt;&lt;small&gt;%1&lt;/small&gt;</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Re-embedding every document with %1. The old index stays in place until the new one is complete.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>This index was built with %1; the model loaded now is %2. Re-embed everything with the new model (the old index stays until the new one is complete), or choose the model that built it.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Type what you remember, in your own words: %1 are ready.&lt;br&gt;Press &lt;b&gt;Enter&lt;/b&gt; to open a result, &lt;b&gt;Ctrl+L&lt;/b&gt; or &lt;b&gt;/&lt;/b&gt; to come back here, &lt;b&gt;Esc&lt;/b&gt; to clear, &lt;b&gt;Up&lt;/b&gt; for recent searches.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>No good match</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Nothing indexed matches “%1” with these filters. Try other words, widen the filters, or add the folder that holds it.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Upgrading the index…</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>An older version of semsearch made this index. It is brought up to date once; you can search as soon as that is done.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>The index cannot be read</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Indexing your first documents…</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>You can search as soon as the first files are done.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Nothing is indexed yet</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>There is nothing to search in yet. Add the folders that hold your notes, documents or code (drop them on this window, or choose &lt;b&gt;Add Folder…&lt;/b&gt;), and search again once they are read.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Drop folders here</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Drag folders or files with your notes, documents or code onto this window, and semsearch reads them so you can find passages by what they mean.</source>
        <translation type="unfinished"></translation>
    </message>
    <message numerus="yes">
        <source>%Ln results</source>
        <translation type="unfinished">
            <numerusform></numerusform>
        </translation>
    </message>
    <message>
        <source>Nothing indexed yet</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>%1: no such file or folder</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Indexing starts when the model is ready.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Add a Folder to the Index</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Add Files to the Index</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Remove from the Index</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Remove %1 and its passages from the index?</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>The files themselves are not touched.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Remove</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>The index was upgraded to this version of semsearch.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Another Model Built This Index</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Vectors of two models cannot be mixed. Re-embed everything with the loaded model (the old index stays until the new one is complete), or choose the model that built the index.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Re-embed Everything</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Choose Model…</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Choose a Model Folder</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>No application is set up to open %1.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>The folder %1 could not be opened: no file manager is set up to open folders.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Cannot Open</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>You can copy the path and open it another way.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Copy Path</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Copied %1</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>not loaded</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>About semsearch</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>&lt;h3&gt;semsearch %1&lt;/h3&gt;&lt;p&gt;Finds passages in your documents by meaning.&lt;/p&gt;&lt;p&gt;Model: %2&lt;br&gt;Index: %3&lt;/p&gt;&lt;p&gt;Built with Qt %4, LibTorch, FAISS and SQLite.&lt;/p&gt;&lt;p&gt;Free software under the MIT License.&lt;br&gt;&lt;a href=&quot;%5&quot;&gt;%5&lt;/a&gt;&lt;/p&gt;</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Describe what you are looking for…</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Search by meaning</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>No model is ready</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Download Model…</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Choose Model Folder…</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Settings…</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Add Folder…</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Another model built this index</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Results</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Sources</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Files with a matching passage, best first, up to the number set in Settings</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Open</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Open Containing Folder</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>&amp;File</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>&amp;Add Folder…</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Add &amp;Files…</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>&amp;Open Result</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Open Containing &amp;Folder</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>&amp;Download Model…</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>&amp;Settings…</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>&amp;Quit</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>&amp;Edit</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>&amp;Search</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>&amp;Copy Path</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>&amp;View</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>&amp;Help</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>&amp;About semsearch</source>
        <translation type="unfinished"></translation>
    </message>
    <message numerus="yes">
        <source>Remove these %Ln sources and their passages from the index?</source>
        <translation type="unfinished">
            <numerusform></numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>Removed %Ln documents from the index.</source>
        <translation type="unfinished">
            <numerusform></numerusform>
        </translation>
    </message>
    <message>
        <source>Results follow as you type. Down moves into the results, Up shows recent searches, Esc clears.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>The best matching files, each with its matching passages. Enter opens the file.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>&amp;Recent Searches</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>C&amp;lear Search History</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Search by</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Match by meaning and by the words typed (&quot;a phrase&quot;, -word to leave out), by meaning only, or by the words only</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Meaning + words</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Meaning</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Words</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Find &amp;Similar Documents</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>%1. New documents from other machines show once it is back (trying every 30 seconds).</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Connected to %1 again.</source>
        <translation type="unfinished"></translation>
    </message>
    <message numerus="yes">
        <source>Removed %Ln documents from %1.</source>
        <translation type="unfinished">
            <numerusform></numerusform>
        </translation>
    </message>
    <message>
        <source>Re-embedding cancelled; %1 keeps its old vectors until it is run again.</source>
        <translation type="unfinished"></translation>
    </message>
    <message numerus="yes">
        <source>Re-embedded %Ln passages of %1.</source>
        <translation type="unfinished">
            <numerusform></numerusform>
        </translation>
    </message>
</context>
<context>
    <name>semsearch::ui::ModelDownloadDialog</name>
    <message>
        <source>Download a model</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>semsearch needs a sentence-transformers model with a BERT encoder. It is fetched from the Hugging Face hub (%1) and checked before it is used.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Repository</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>&amp;Repository:</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Revision</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>A branch, tag or commit of the repository.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Re&amp;vision:</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>&amp;Model folder:</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Model folder</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>&amp;Browse…</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Replace a model already in that folder</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Download progress</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>&amp;Download</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>&amp;Cancel download</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Where to put the model</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Enter a repository (owner/name) and a revision.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Connecting…</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Cancelling…</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Checking %1 (file %2 of %3)…</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>%1 (file %2 of %3): %4 of %5 MB</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>?</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>, %1 MB/s</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>The model is in %1.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Cancelled. What was downloaded is kept: Download continues from there.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>The proxy server this computer is set to use did not let the download through. Check the proxy in your system&apos;s network settings. (%1)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>semsearch cannot reach the model&apos;s server. Check that this computer is online; if your network needs a proxy, set it in your system&apos;s network settings. You can also copy a model folder from another computer and choose it in Settings. (%1)</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>semsearch::ui::PreviewPane</name>
    <message>
        <source>Previous match</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Previous match (%1)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Next match</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Next match (%1)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Document text</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>%1 can no longer be read: %2</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>%1 changed since it was indexed; highlighting only what still matches (%2 of %3).</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>match %1 of %2</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>no match shown</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>The file with its matching passages highlighted. F3 and Shift+F3 go to the next and previous match; Enter opens the file.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Reading %1…</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>page %1</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>match %1 of %2 · %3</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Open at page %1</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>The index cannot be read now; these are the matching passages, in order.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>This is its text as the index holds it.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>%1 is not on this computer any more. %2</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>On %1: %2, for reference; the file is not on this computer. %3</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>semsearch::ui::ResultDelegate</name>
    <message>
        <source>today %1</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>yesterday %1</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>%1 · %2</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>line %1</source>
        <translation type="unfinished"></translation>
    </message>
    <message numerus="yes">
        <source>%1 · also in %Ln other places</source>
        <translation type="unfinished">
            <numerusform></numerusform>
        </translation>
    </message>
</context>
<context>
    <name>semsearch::ui::ResultListModel</name>
    <message>
        <source>%1 in %2, score %3: %4</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Also in %1</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>identical copy in %1</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Also in:</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>page %1</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>line %1</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>%1, score %2: %3</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>On %1: %2</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>on %1: %2</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>semsearch::ui::SearchHistoryPopup</name>
    <message>
        <source>Recent searches</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>semsearch::ui::SettingsDialog</name>
    <message>
        <source>Automatic: the index&apos;s, else the fastest that keeps quality</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>fp32: exact reference</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>%1: not on this computer (%2)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>%1: passed, %2</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>%1: too inaccurate for this model, %2</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>%1: checked against fp32 when first used</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Settings</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Model folder</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Brow&amp;se…</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Browse for the model folder</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Model status</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Model folder set for this session</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Precision</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>How the model computes. bf16 and int8 are two to three times faster on processors that have the instructions; each is used only after it agreed with fp32 on a set of sample texts and your index&apos;s passages (mean cosine at least 0.999 for bf16, 0.99 and 85% of the same nearest neighbours for int8). Changing the precision of an index that holds passages re-embeds it: semsearch-cli index --reembed.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Brows&amp;e…</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Browse for the index folder</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Index folder set for this session</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Batch size</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Passages embedded together. Larger batches are a little faster and take more memory.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Threads</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Automatic</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Processor threads used to embed. Automatic uses one per core.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Documents shown per search</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Excluded names</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>One pattern per line, matched against the name of every file and folder, ignoring case: * matches any text, ? one character. A matching folder is skipped with everything in it. Hidden and version-control folders are always skipped.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Maximum file size</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source> MiB</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>No limit</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Larger files are skipped and listed with the reason.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>&amp;Watch indexed folders and re-index what changes</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Watch indexed folders</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>When changes take effect</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>The model and index folders are opened again as soon as you press OK. Batch size and threads apply from the next time the model is opened; excluded names and the size limit from the next indexing; watching and the number of documents shown at once.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Choose the Model Folder</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Choose the Index Folder</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Model</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>&amp;Model folder:</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>&amp;Precision:</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>&amp;Batch size:</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>&amp;Threads:</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Index</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>E&amp;xcluded names:</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Maximum file si&amp;ze:</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Search</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>&amp;Documents shown:</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Set by %1 for this session. The saved folder, %2, applies when semsearch starts without it.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>%1: %2 dimensions, %3 pooling</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Download mirror</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>The address of a mirror of the model hub to download models from, e.g. https://hf-mirror.example.org. Empty: the hub itself.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Download proxy</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>host:port</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>An HTTP proxy for model downloads: host:port, or http://user:password@host:port. Empty: the proxy your system&apos;s environment sets, if any.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Model Download</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>&amp;Hub mirror:</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Prox&amp;y:</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>The hub mirror &quot;%1&quot; is not a web address. Write it as https://host or https://host:port, or leave it empty to use the hub.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>The proxy &quot;%1&quot; is not an address. Write it as host:port, e.g. proxy.example.org:3128, or leave it empty.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Index folder or server</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>A folder, or postgresql://host/database</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>A folder on this computer, or a team&apos;s shared index on a PostgreSQL server: postgresql://[user@]host[:port]/database. No password here: semsearch does not keep passwords; put it in ~/.pgpass or PGPASSWORD.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Index problem</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>&amp;Index folder or server:</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>%1: semsearch does not keep passwords: put it in ~/.pgpass or PGPASSWORD.</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>semsearch::ui::SourcesPanel</name>
    <message>
        <source>Add &amp;Folder…</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Index a folder and everything in it</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Add F&amp;iles…</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Index single files</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Add</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Add a folder or files to the index</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Add to the index</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Re-index</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Look for new, changed and deleted files in the selected sources</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Remove</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Remove the selected sources from the index (the files stay)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Source</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Files</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Passages</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>State</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Indexed sources</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Sources</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>File</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Reason</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Skipped files</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Skipped</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Indexing</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Error</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Ready</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Last indexed %1</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Incomplete</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Indexing did not finish; re-index to complete it</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Skipped (%1)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Nothing indexed yet.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>The folders and files in the index with their files, passages and state</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Files that indexing left out, with the reason</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Sources or skipped files</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Switches between the indexed sources and the files that were skipped</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>%1, on %2</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>%1 on %2</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Indexed by %1</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Indexed by %1: only that machine can read its files, and re-index or remove it</source>
        <translation type="unfinished"></translation>
    </message>
</context>
</TS>
