-- AlterTable
ALTER TABLE "bulk_import" ADD COLUMN     "block_in_hand" INTEGER,
ADD COLUMN     "line_in_hand" INTEGER,
ADD COLUMN     "line_stage" TEXT,
ADD COLUMN     "progress_attempt" INTEGER NOT NULL DEFAULT 0,
ADD COLUMN     "resume_line" INTEGER;
