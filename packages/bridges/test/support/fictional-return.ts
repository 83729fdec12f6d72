import { Readable } from 'node:stream';
import { upnCheckLetter } from '@celr/schema';

/**
 * A fictional SSDA903 return of any size, made row by row as it is read, so that a test or the
 * bench can convert 100,000 children without first holding the file. Every child is valid: born in
 * 2010-2015, looked after since 2023 with one placement move in 2024.
 */
export function fictionalReturn(children: number) {
  const child = (i: number) => `F${String(i).padStart(7, '0')}`;
  const upn = (i: number) => {
    const digits = `9${String(i).padStart(11, '0')}`;
    return upnCheckLetter(`X${digits}`) + digits;
  };
  const day = (i: number) => String((i % 28) + 1).padStart(2, '0');
  const rows = function* (heading: string, row: (i: number) => string) {
    yield `${heading}\n`;
    for (let i = 0; i < children; i++) yield `${row(i)}\n`;
  };
  const lines = (heading: string, row: (i: number) => string) => Readable.from(rows(heading, row));
  return [
    {
      name: 'header.csv',
      content: lines(
        'CHILD,SEX,DOB,ETHNIC,UPN,MOTHER,MC_DOB',
        (i) => `${child(i)},1,${day(i)}/0${(i % 9) + 1}/${2010 + (i % 6)},WBRI,${upn(i)},,`,
      ),
    },
    {
      name: 'episodes.csv',
      content: Readable.from(
        (function* () {
          yield 'CHILD,DECOM,RNE,LS,CIN,PLACE,PLACE_PROVIDER,DEC,REC,REASON_PLACE_CHANGE,HOME_POST,PL_POST,URN\n';
          for (let i = 0; i < children; i++) {
            yield `${child(i)},${day(i)}/05/2023,S,C2,N1,U4,PR1,${day(i)}/02/2024,X1,CARPL,,,\n`;
            yield `${child(i)},${day(i)}/02/2024,P,C2,N1,K2,PR2,,,,,,\n`;
          }
        })(),
      ),
    },
    {
      name: 'names.csv',
      content: lines('CHILD,GIVEN_NAME,FAMILY_NAME', (i) => `${child(i)},Child${i},Fictional`),
    },
  ];
}
