// Canvases that follow their box's width (responsive) and draw sharply on HiDPI screens.

/** A canvas sized to its CSS box, redrawn when the box changes. */
export class AutoCanvas {
  readonly canvas: HTMLCanvasElement;
  /** CSS pixel size of the drawing area. */
  width = 0;
  height = 0;
  private readonly observer: ResizeObserver;

  /**
   * @param aspect height / width, or a fixed CSS height in px when `fixedHeight`.
   * @param draw called with the 2-D context scaled to CSS pixels.
   */
  constructor(
    label: string,
    private readonly aspect: number,
    private readonly draw: (ctx: CanvasRenderingContext2D, w: number, h: number) => void,
    private readonly fixedHeight = false,
  ) {
    this.canvas = document.createElement('canvas');
    this.canvas.setAttribute('role', 'img');
    this.canvas.setAttribute('aria-label', label);
    this.observer = new ResizeObserver(() => this.resize());
    this.observer.observe(this.canvas);
  }

  /** Recomputes the backing size from the CSS width and redraws. */
  resize(): void {
    const w = Math.max(
      50,
      Math.round(this.canvas.clientWidth || (this.canvas.parentElement?.clientWidth ?? 300)),
    );
    const hgt = Math.max(50, Math.round(this.fixedHeight ? this.aspect : w * this.aspect));
    const dpr = Math.min(2, globalThis.devicePixelRatio || 1);
    if (this.width !== w || this.height !== hgt || this.canvas.width !== Math.round(w * dpr)) {
      this.width = w;
      this.height = hgt;
      this.canvas.style.height = `${hgt}px`;
      this.canvas.width = Math.round(w * dpr);
      this.canvas.height = Math.round(hgt * dpr);
    }
    this.render();
  }

  /** Redraws with the current size. */
  render(): void {
    if (this.width === 0) {
      this.resize();
      return;
    }
    const ctx = this.canvas.getContext('2d');
    if (!ctx) return;
    const dpr = this.canvas.width / this.width;
    ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
    ctx.clearRect(0, 0, this.width, this.height);
    this.draw(ctx, this.width, this.height);
  }

  /** Stops observing (the canvas is being removed). */
  dispose(): void {
    this.observer.disconnect();
  }
}
