"""Console pages of issue 4: desk intake, receipt and poster PDFs, the processing queue, a dossier's page and its
actions, and the notification templates editor. Every read goes through selectors taking the acting official;
every write through ketnoi.dossiers services."""
