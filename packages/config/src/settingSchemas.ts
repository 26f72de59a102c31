import { z } from 'zod';

/** How one setting is declared, and the schema helpers the settings table uses. */
export interface SettingSpec<S extends z.ZodType<unknown, string> = z.ZodType<unknown, string>> {
  readonly env: string;
  /** Parses the raw environment string. */
  readonly schema: S;
  readonly default: z.output<S> | undefined;
  /** Human form of the default for docs (e.g. a derived path). */
  readonly defaultText?: string;
  readonly doc: string;
}

export const REGION_ID = /^[a-z][a-z0-9-]{0,31}$/;

export const int = (min: number, max: number) =>
  z
    .string()
    .trim()
    .regex(/^-?\d+$/, 'must be an integer')
    .transform(Number)
    .pipe(z.number().int().min(min).max(max));

export const bool = z
  .string()
  .trim()
  .toLowerCase()
  .pipe(z.enum(['1', '0', 'true', 'false', 'yes', 'no', 'on', 'off']))
  .transform((v) => ['1', 'true', 'yes', 'on'].includes(v));

export const list = <T>(item: z.ZodType<T, string>) =>
  z
    .string()
    .transform((s) =>
      s
        .split(',')
        .map((x) => x.trim())
        .filter((x) => x.length > 0),
    )
    .pipe(z.array(item));

export const url = (protocols: string[]) =>
  z
    .string()
    .trim()
    .refine(
      (s) => {
        try {
          return protocols.includes(new URL(s).protocol);
        } catch {
          return false;
        }
      },
      `must be a URL with scheme ${protocols.join(' or ')}`,
    );

export const spec = <S extends z.ZodType<unknown, string>>(s: SettingSpec<S>): SettingSpec<S> => s;
