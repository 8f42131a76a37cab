// The cold-mount baseline: a frame that says it is up as soon as it runs.
window.parent.postMessage({ bench: 'up' }, '*');
