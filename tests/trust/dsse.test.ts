import { decodeBase64, encodeBase64, pae } from '../../src/report/dsse.js';

describe('pae', () => {
  test('DSSE spec test vector', () => {
    expect(pae('http://example.com/HelloWorld', Buffer.from('hello world')).toString()).toBe(
      'DSSEv1 29 http://example.com/HelloWorld 11 hello world',
    );
  });
  test('lengths are byte counts, not characters', () => {
    expect(pae('t/é', Buffer.from('€')).toString()).toBe('DSSEv1 4 t/é 3 €');
  });
  test('empty payload', () => {
    expect(pae('x', Buffer.alloc(0)).toString()).toBe('DSSEv1 1 x 0 ');
  });
});

describe('decodeBase64', () => {
  const bytes = Buffer.from([0xfb, 0xff, 0xbf, 0x01, 0x02]);
  test.each([
    ['standard padded', '+/+/AQI='],
    ['standard unpadded', '+/+/AQI'],
    ['url-safe padded', '-_-_AQI='],
    ['url-safe unpadded', '-_-_AQI'],
  ])('accepts %s', (_name, text) => {
    expect(decodeBase64(text)).toEqual(bytes);
    expect(encodeBase64(bytes)).toBe('+/+/AQI=');
  });
  test.each([
    ['junk character', '+/+/A*QI='],
    ['impossible length', '+/+/A'],
    ['bad padding', '+/+/AQ='],
    ['non-zero padding bits', '+/+/AQJ='],
    ['whitespace', '+/+/ AQI='],
  ])('rejects %s', (_name, text) => {
    expect(() => decodeBase64(text)).toThrow(/not base64/);
  });
});
