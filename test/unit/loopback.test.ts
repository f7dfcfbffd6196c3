import { describe, expect, it } from 'vitest';
import { SIGN_IN_PAGES, startLoopbackListener } from '../../src/http/loopback.js';

const pages = { success: 'SUCCESS', failure: (message: string) => `FAILURE: ${message}` };

describe('the loopback listener answers the browser only with the verdict', () => {
  it('holds the callback until answered: success only when the flow says so', async () => {
    const listener = await startLoopbackListener({ port: 0, host: '127.0.0.1', pages });
    const arriving = listener.callback(AbortSignal.timeout(5000));
    let answered = false;
    const page = fetch(`${listener.redirectUri}?code=c&state=s`).then(async (response) => ((answered = true), response.text()));
    const callback = await arriving;
    expect(callback.url.searchParams.get('code')).toBe('c');
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(answered).toBe(false);
    callback.answer({ ok: true });
    expect(await page).toBe('SUCCESS');
    await listener.close();
  });

  it('a callback the flow never answered gets the failure page when the listener closes', async () => {
    const listener = await startLoopbackListener({ port: 0, host: '127.0.0.1', pages });
    const arriving = listener.callback(AbortSignal.timeout(5000));
    const page = fetch(`${listener.redirectUri}?error=access_denied&state=s`).then((response) => response.text());
    await arriving;
    await listener.close();
    expect(await page).toBe('FAILURE: the sign-in did not complete');
  });

  it('the failure page escapes what it shows', () => {
    expect(SIGN_IN_PAGES.failure('<script>alert(1)</script>')).not.toContain('<script>');
    expect(SIGN_IN_PAGES.failure('<script>alert(1)</script>')).toContain('&#60;script&#62;');
  });
});
