/**
 * The schemas of the outcome tags (outcome-tags.ts), apart from their
 * names and writers: the onFailure function writes these tags and loads
 * no zod for it; the vocabulary (index.ts) reads them through these.
 */
import { z } from "zod";
import { writtenByRotor } from "./tag-value.ts";

export const statusTagSchema = z.literal("failed");
/** When the last rotation was attempted, as an ISO time. */
export const lastAttemptTagSchema = z.iso.datetime();
/** The last failure's message, scrubbed and bounded (`boundedError`). */
export const lastErrorTagSchema = writtenByRotor;
