<?xml version="1.0" encoding="utf-8"?>
<!DOCTYPE TS>
<TS version="2.1" language="en_US">
<context>
    <name>CountsText</name>
    <message numerus="yes">
        <source>%Ln passages</source>
        <translation>
            <numerusform>%Ln passage</numerusform>
            <numerusform>%Ln passages</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>%Ln documents</source>
        <translation>
            <numerusform>%Ln document</numerusform>
            <numerusform>%Ln documents</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>%Ln files</source>
        <translation>
            <numerusform>%Ln file</numerusform>
            <numerusform>%Ln files</numerusform>
        </translation>
    </message>
</context>
<context>
    <name>IndexingOutcome</name>
    <message numerus="yes">
        <source>Indexing cancelled; %Ln files done are kept.</source>
        <translation>
            <numerusform>Indexing cancelled; %Ln file done is kept.</numerusform>
            <numerusform>Indexing cancelled; %Ln files done are kept.</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>Everything is up to date (%Ln files unchanged).</source>
        <translation>
            <numerusform>Everything is up to date (%Ln file unchanged).</numerusform>
            <numerusform>Everything is up to date (%Ln files unchanged).</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>%Ln unchanged</source>
        <translation>
            <numerusform>%Ln unchanged</numerusform>
            <numerusform>%Ln unchanged</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>%Ln removed</source>
        <translation>
            <numerusform>%Ln removed</numerusform>
            <numerusform>%Ln removed</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>%Ln skipped</source>
        <translation>
            <numerusform>%Ln skipped</numerusform>
            <numerusform>%Ln skipped</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>Indexed %Ln new or changed files with %1</source>
        <translation>
            <numerusform>Indexed %Ln new or changed file with %1</numerusform>
            <numerusform>Indexed %Ln new or changed files with %1</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>Removed %Ln documents whose files are gone</source>
        <translation>
            <numerusform>Removed %Ln document whose file is gone</numerusform>
            <numerusform>Removed %Ln documents whose files are gone</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>%Ln documents published to %1</source>
        <translation>
            <numerusform>%Ln document published to %1</numerusform>
            <numerusform>%Ln documents published to %1</numerusform>
        </translation>
    </message>
</context>
<context>
    <name>semsearch::ui::IndexingBar</name>
    <message numerus="yes">
        <source>about %n min left</source>
        <translation>
            <numerusform>about %n min left</numerusform>
            <numerusform>about %n min left</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>about %n h left</source>
        <translation>
            <numerusform>about %n h left</numerusform>
            <numerusform>about %n h left</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>%1 of %Ln files, %2</source>
        <translation>
            <numerusform>%1 of %Ln file, %2</numerusform>
            <numerusform>%1 of %Ln files, %2</numerusform>
        </translation>
    </message>
</context>
<context>
    <name>semsearch::ui::MainWindow</name>
    <message numerus="yes">
        <source>%Ln results</source>
        <translation>
            <numerusform>%Ln result</numerusform>
            <numerusform>%Ln results</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>Remove these %Ln sources and their passages from the index?</source>
        <translation>
            <numerusform>Remove this source and its passages from the index?</numerusform>
            <numerusform>Remove these %Ln sources and their passages from the index?</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>Removed %Ln documents from the index.</source>
        <translation>
            <numerusform>Removed %Ln document from the index.</numerusform>
            <numerusform>Removed %Ln documents from the index.</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>Removed %Ln documents from %1.</source>
        <translation>
            <numerusform>Removed %Ln document from %1.</numerusform>
            <numerusform>Removed %Ln documents from %1.</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>Re-embedded %Ln passages of %1.</source>
        <translation>
            <numerusform>Re-embedded %Ln passage of %1.</numerusform>
            <numerusform>Re-embedded %Ln passages of %1.</numerusform>
        </translation>
    </message>
</context>
<context>
    <name>semsearch::ui::ResultDelegate</name>
    <message numerus="yes">
        <source>%1 · also in %Ln other places</source>
        <translation>
            <numerusform>%1 · also in %Ln other place</numerusform>
            <numerusform>%1 · also in %Ln other places</numerusform>
        </translation>
    </message>
</context>
</TS>
