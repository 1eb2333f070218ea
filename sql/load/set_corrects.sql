-- Records the file a corrections workbook was written for (parameters: source file hash, the workbook's file hash).
update meta.files set corrects = ? where file_hash = ?
