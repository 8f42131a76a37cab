// The demo as a person sees it, in light and in dark: screenshots that
// are not blank, with the expected regions drawn, and plugin frames that
// follow the host's theme.  Pixels are read back in a blank page of the
// same browser (a canvas there decodes the PNG; the app's CSP is not in
// the way).
import { test, expect, signIn, pluginFrame } from '../support/test.js';

// For each region {name, x, y, width, height} of the PNG: mean luminance
// (0-255), the share of pixels that differ from the region's most common
// colour, and how many distinct (quantised) colours it has.
async function measure(context, png, regions) {
  const blank = await context.newPage();
  try {
    return await blank.evaluate(async ({ b64, regions }) => {
      const img = new Image();
      img.src = `data:image/png;base64,${b64}`;
      await img.decode();
      const canvas = document.createElement('canvas');
      canvas.width = img.naturalWidth;
      canvas.height = img.naturalHeight;
      const g = canvas.getContext('2d');
      g.drawImage(img, 0, 0);
      const out = {};
      for (const r of regions) {
        const x = Math.max(0, Math.floor(r.x)), y = Math.max(0, Math.floor(r.y));
        const w = Math.min(canvas.width - x, Math.floor(r.width)), h = Math.min(canvas.height - y, Math.floor(r.height));
        const d = g.getImageData(x, y, w, h).data;
        const counts = new Map();
        let lum = 0;
        for (let i = 0; i < d.length; i += 4) {
          lum += 0.2126 * d[i] + 0.7152 * d[i + 1] + 0.0722 * d[i + 2];
          const key = ((d[i] >> 4) << 8) | ((d[i + 1] >> 4) << 4) | (d[i + 2] >> 4);
          counts.set(key, (counts.get(key) || 0) + 1);
        }
        const n = d.length / 4;
        const top = Math.max(...counts.values());
        out[r.name] = { luminance: lum / n, varied: 1 - top / n, colours: counts.size };
      }
      return out;
    }, { b64: png.toString('base64'), regions });
  } finally {
    await blank.close();
  }
}

async function box(locator, name) {
  const b = await locator.boundingBox();
  expect(b, `${name} is on screen`).not.toBeNull();
  return { name, ...b };
}

for (const scheme of ['light', 'dark']) {
  test(`the dashboard renders in the ${scheme} theme`, async ({ page, context }, info) => {
    await page.setViewportSize({ width: 1280, height: 900 });
    await page.emulateMedia({ colorScheme: scheme });
    await signIn(page, 'bob');
    await expect(page.locator('html')).toHaveAttribute('data-theme', scheme);
    const widget = await pluginFrame(page, 'demo.contacts', 'contacts');
    await expect(widget.locator('#contacts li')).toHaveCount(3);
    await expect(widget.locator('html')).toHaveAttribute('data-osp-theme', scheme);
    await page.evaluate(() => document.fonts.ready);

    const png = await page.screenshot();
    await info.attach(`dashboard-${scheme}.png`, { body: png, contentType: 'image/png' });
    const regions = [
      { name: 'page', x: 0, y: 0, width: 1280, height: 900 },
      await box(page.locator('header').first(), 'topbar'),
      await box(page.locator('h1'), 'title'),
      await box(page.locator('[data-card="demo.contacts/contacts"] iframe'), 'widget'),
      await box(page.locator('[data-plugin-error="revoked"]').first(), 'errorTile'),
    ];
    const m = await measure(context, png, regions);

    // Not blank anywhere that matters: text on a background, several colours.
    for (const name of ['page', 'topbar', 'title', 'widget', 'errorTile']) {
      expect(m[name].varied, `${name} has something drawn`).toBeGreaterThan(0.01);
      expect(m[name].colours, `${name} is not one flat colour`).toBeGreaterThan(2);
    }
    // The theme reached the host page and the plugin's own frame.
    if (scheme === 'light') {
      expect(m.page.luminance).toBeGreaterThan(170);
      expect(m.widget.luminance).toBeGreaterThan(170);
    } else {
      expect(m.page.luminance).toBeLessThan(90);
      expect(m.widget.luminance).toBeLessThan(90);
    }
  });
}
