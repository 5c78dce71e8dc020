using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace Sprout.Kernels;

/// <summary>
/// 3×3 convolution with stride 1 and padding 1 by Winograd's minimal filtering (Lavin and Gray, 2016), F(2×2, 3×3) here
/// and F(4×4, 3×3) on larger planes (<see cref="LargeTilesFrom"/>): each 4×4 input tile (stride 2; 6×6 at stride 4) and
/// each filter are transformed, V = Bᵀ·d·B and U = G·g·Gᵀ; the 16 (36) positions of the transformed tiles are
/// independent GEMMs M = V·U (tiles × input channels × output channels); the output transform Y = Aᵀ·M·A gives 2×2 (4×4)
/// outputs per tile: 16 multiplies per 2×2 outputs and channel pair instead of 36 (36 per 4×4 instead of 144). The
/// images are turned channels-last first, so that the transforms run on 16 channels at once in AVX-512 vectors; tiles
/// run in cache-sized chunks, in parallel. The input gradient of such a convolution is the same convolution of dY with
/// the weights flipped and transposed, so it runs here too; the weight gradient has its own file.
/// </summary>
internal static unsafe partial class Winograd
{
    private const int L = 16;                // channels per vector

    [ThreadStatic] private static float[]? t_input, t_product, t_filters, t_channelsLast, t_outputLast;

    /// <summary>
    /// Whether <paramref name="p"/> is a 3×3, stride-1, padding-1 convolution of one group, with channel counts in whole
    /// vectors, where it measured faster than im2col here (one core, % of peak in the direct algorithm's FLOPs, Winograd /
    /// im2col, forward and dX; <c>Sprout.Bench -- conv resnet</c>): 128 channels at 12×12 95 / 68 and 91 / 77, two cores
    /// 70 / 42 and 70 / 67; at 64 channels at 24×24 about even layer by layer (66 / 60, 66 / 67: the GEMMs are 64 deep and
    /// 64 wide, and the transforms weigh as much), but ResNet-18's whole training step is 2.5–4 % faster with it there
    /// (<c>Sprout.Bench -- profile resnet winograd</c>, steps alternated in one process, five runs: two cores 275 / 282,
    /// 327 / 337, 333 / 342 ms, one core 496 / 511, 611 / 637 ms); planes from <see cref="MinPlane"/>.
    /// </summary>
    public static bool Applies(Convolution.Problem p) =>
        Vector512.IsHardwareAccelerated && p.Groups == 1 &&
        p.Geometry is { KernelH: 3, KernelW: 3, StrideH: 1, StrideW: 1, PadH: 1, PadW: 1, DilationH: 1, DilationW: 1 } &&
        p.H >= MinPlane && p.W >= MinPlane && p.C >= MinChannels && p.O >= MinChannels && p.C % L == 0 && p.O % L == 0;

    /// <summary>
    /// Smallest planes (height and width) taken (benchmarks compare others: <c>profile resnet plane</c>). Since the
    /// transforms keep their tiles in registers, 256 channels at 6×6 run faster by Winograd layer by layer (one Zen 5
    /// core, forward / dX / dW 143 / 124 / 121 % against im2col's 80 / 78 / 79; two cores 87 / 70 / 94 against 72 / 76 /
    /// 78). Whole ResNet-18 steps, alternated in one process, 6 against 12: on Zen 5 one thread 4.5–5 % faster (391.7 /
    /// 413.0, 472.2 / 494.0 ms), two threads 0.5–3.6 % slower (222.2 / 221.0, 270.9 / 261.4 ms); on Zen 4, whose
    /// 512-bit multiplies take two passes so that saving them counts twice, one thread 5.5 % faster (557.2 / 589.8 ms),
    /// two threads 0.7–6 % faster (306.7 / 308.8, 402.3 / 427.8 ms).
    /// </summary>
    internal static int MinPlane { get; set; } = 6;

    /// <summary>
    /// Whether the 16 products of a chunk read the transformed tiles in place (<see cref="SmallGemm"/>) instead of packing
    /// them for each product (benchmarks compare both).
    /// </summary>
    internal static bool SmallProducts { get; set; } = true;

    /// <summary>Bytes of transformed input per chunk of tiles (benchmarks compare others: <c>profile resnet chunk</c>).</summary>
    internal static int ChunkBytes { get; set; } = 1 << 20;

    /// <summary>
    /// Bytes of transformed input per chunk of tiles in layers with 256 input channels or more. In the forward (and input
    /// gradient) every chunk streams the 16 transformed filter planes again (4 MB at 256 × 256); in the weight gradient
    /// every chunk reads and writes its run's dU (4 MB) once more. ResNet-18's 256 channels at 6×6 then run in two chunks
    /// of 144 tiles instead of six of 48. One Zen 4 core, that layer's forward 10.8 against 14.3 ms; two cores, its
    /// weight gradient 6.0–6.5 against 6.3–7.6 ms (alternated in one process). Whole steps alternated in one process
    /// (<c>profile resnet deepchunk</c>, 1024 against 4096), the forward alone: one thread 645.7 / 593.8 and 603.9 /
    /// 581.4 ms, two threads 379.5 / 354.2 and 331.1 / 335.1 ms; with the weight gradient too: one thread 607.0 / 598.3
    /// ms, two threads 301.9 / 302.8 and 344.3 / 327.9 ms.
    /// </summary>
    internal static int DeepChunkBytes { get; set; } = 4 << 20;

    /// <summary>Fewest channels in and out (benchmarks compare others).</summary>
    internal static int MinChannels { get; set; } = 64;

    /// <summary>
    /// y (N, O, H, W) = x (N, C, H, W) ⋆ w (O, C, 3, 3) (+ bias[o] from <paramref name="biasOffset"/>, added as each output
    /// is transformed), every element written.
    /// </summary>
    public static void Forward(Convolution.Problem p, float[] x, int xOffset, float[] w, int wOffset, float[] y, int yOffset, float[]? bias = null, int biasOffset = 0) =>
        ForwardChannelsLast(p, ChannelsLast(x, xOffset, p.N, p.C, p.H * p.W, ref t_channelsLast), w, wOffset, y, yOffset, bias, biasOffset);

    /// <summary>
    /// dx and dw (either may be null) of <see cref="Forward"/> from dy, which is turned channels-last once for both.
    /// </summary>
    public static void Backward(Convolution.Problem p, float[] x, int xOffset, float[] w, int wOffset, float[] dy, int dyOffset, float[]? dx, float[]? dw)
    {
        if (dx is null && dw is null) return;
        var dyt = ChannelsLast(dy, dyOffset, p.N, p.O, p.H * p.W, ref t_gradientLast);
        if (dw is not null) WeightGradientChannelsLast(p, x, xOffset, dyt, dw);
        if (dx is not null) InputGradientChannelsLast(p, dyt, w, wOffset, dx, 0);
    }

    /// <summary>
    /// (N, channels, planes) from <paramref name="offset"/> turned (N, planes, channels) into the calling thread's
    /// <paramref name="buffer"/>, one sample per job.
    /// </summary>
    private static float[] ChannelsLast(float[] source, int offset, int n, int channels, int planes, ref float[]? buffer)
    {
        var target = Convolution.Buffer(ref buffer, n * planes * channels);
        WorkerPool.For(n, s => Transpose(source, offset + s * channels * planes, channels, planes, target, s * planes * channels));
        return target;
    }

    /// <summary>
    /// <see cref="Forward"/> from the input already channels-last (<see cref="ChannelsLast"/>), in the tiling
    /// <see cref="TilingOf"/> picks; with <paramref name="flipped"/>, by w's filters transposed and turned 180° (the
    /// input gradient's convolution, <see cref="FilterTaps"/>).
    /// </summary>
    private static void ForwardChannelsLast(Convolution.Problem p, float[] xt, float[] w, int wOffset, float[] y, int yOffset, float[]? bias = null, int biasOffset = 0,
        bool flipped = false)
    {
        var f = TilingOf(p);
        int positions = f.Positions, planes = p.H * p.W;
        var u = Convolution.Buffer(ref t_filters, positions * p.C * p.O);
        TransformFilters(f, w, wOffset, p.O, p.C, flipped, u);
        var yt = Convolution.Buffer(ref t_outputLast, p.N * planes * p.O);
        int tilesH = f.Tiles(p.H), tilesW = f.Tiles(p.W), tiles = p.N * tilesH * tilesW;
        var (chunks, perChunk) = Chunks(tiles, ForwardChunkTiles(f, p));
        WorkerPool.For(chunks, chunk =>
        {
            int t0 = chunk * perChunk, count = Math.Min(perChunk, tiles - t0);
            var v = Convolution.Buffer(ref t_input, positions * count * p.C);
            var m = Convolution.Buffer(ref t_product, positions * count * p.O);
            fixed (float* px = xt, pv = v) TransformInput(f, p, px, tilesW, t0, count, pv);
            for (int xi = 0; xi < positions; xi++)
                if (SmallProducts && SmallGemm.Suits(count, p.O, p.C))
                    SmallGemm.Multiply(Gemm.Kernel, false, false, count, p.O, p.C, v, xi * count * p.C, p.C, u, xi * p.C * p.O, p.O, m, xi * count * p.O, p.O);
                else Gemm.Multiply(false, false, count, p.O, p.C, 1f, v, xi * count * p.C, p.C, u, xi * p.C * p.O, p.O, 0f, m, xi * count * p.O, p.O);
            fixed (float* pm = m, py = yt, pb = bias) TransformOutput(f, p, pm, tilesW, t0, count, py, pb == null ? null : pb + biasOffset);
        });
        WorkerPool.For(p.N, n => Transpose(yt, n * planes * p.O, planes, p.O, y, yOffset + n * p.O * planes));
    }

    /// <summary>Input channels from which a layer's chunks are sized by <see cref="DeepChunkBytes"/>.</summary>
    private const int DeepChannels = 256;

    /// <summary>Bytes of transformed input per chunk: <see cref="DeepChunkBytes"/> from <see cref="DeepChannels"/>, else <see cref="ChunkBytes"/>.</summary>
    private static int ChunkBytesOf(Convolution.Problem p) => p.C >= DeepChannels ? DeepChunkBytes : ChunkBytes;

    /// <summary>
    /// Tiles per chunk in the forward (and input gradient): <see cref="LargeChunkTiles"/> by F(4×4, 3×3) below
    /// <see cref="DeepChannels"/>, else as many as <see cref="ChunkBytesOf"/> holds.
    /// </summary>
    private static int ForwardChunkTiles(WinogradTiling f, Convolution.Problem p) =>
        f == WinogradTiling.Four && p.C < DeepChannels && LargeChunkTiles > 0 ? LargeChunkTiles : TilesIn(ChunkBytesOf(p), f.Positions * p.C);

    /// <summary>
    /// Tiles per chunk in the forward (and input gradient) by F(4×4, 3×3) below 256 channels, or 0 to size the chunks by
    /// <see cref="ChunkBytes"/> (benchmarks compare: <c>profile resnet ltiles</c>). 1 MB made 56 tiles at 128 channels
    /// and 113 at 64; 56 suits both: 64 channels at 24×24 (<c>conv layer same 24 64 ltiles 56 0</c>, alternated in one
    /// process) forward 5.32 / 5.80 and 8.93 / 9.81 ms, dX 5.02 / 5.57 and 8.26 / 9.05 ms at two threads and one (by
    /// 512 KB: 128 channels at 12×12 lost 5–8 % at one thread). Whole steps: one thread 591.2 / 597.0, 469.6 / 474.9,
    /// 510.8 / 514.7 and 529.9 / 514.3 ms; two threads 368.4 / 378.1 and 263.4 / 264.8 ms.
    /// </summary>
    internal static int LargeChunkTiles { get; set; } = 56;

    /// <summary>The tiling of <paramref name="p"/>: F(4×4, 3×3) on planes from <see cref="LargeTilesFrom"/>, else F(2×2, 3×3).</summary>
    private static WinogradTiling TilingOf(Convolution.Problem p) =>
        p.H >= LargeTilesFrom && p.W >= LargeTilesFrom ? WinogradTiling.Four : WinogradTiling.Two;

    /// <summary><paramref name="f"/>'s filter transform (<see cref="FilterTaps"/> says what <paramref name="flipped"/> reads).</summary>
    private static void TransformFilters(WinogradTiling f, float[] w, int wOffset, int outputs, int channels, bool flipped, float[] u)
    {
        if (f == WinogradTiling.Four) TransformFiltersLarge(w, wOffset, outputs, channels, flipped, u);
        else TransformFilters(w, wOffset, outputs, channels, flipped, u);
    }

    /// <summary><paramref name="f"/>'s input transform.</summary>
    private static void TransformInput(WinogradTiling f, Convolution.Problem p, float* xt, int tilesW, int t0, int count, float* v)
    {
        if (f == WinogradTiling.Four) TransformInputLarge(p, xt, f.Tiles(p.H), tilesW, t0, count, v);
        else TransformInput(p, xt, f.Tiles(p.H), tilesW, t0, count, v);
    }

    /// <summary><paramref name="f"/>'s output transform (+ the bias, when given).</summary>
    private static void TransformOutput(WinogradTiling f, Convolution.Problem p, float* m, int tilesW, int t0, int count, float* yt, float* bias)
    {
        if (f == WinogradTiling.Four) TransformOutputLarge(p, m, f.Tiles(p.H), tilesW, t0, count, yt, bias);
        else TransformOutput(p, m, f.Tiles(p.H), tilesW, t0, count, yt, bias);
    }

    /// <summary><paramref name="f"/>'s transform of dY's blocks back through the output transform (the weight gradient's Z).</summary>
    private static void TransformOutputGradient(WinogradTiling f, Convolution.Problem p, float* dyt, int tilesW, int t0, int count, float* z)
    {
        if (f == WinogradTiling.Four) TransformOutputGradientLarge(p, dyt, f.Tiles(p.H), tilesW, t0, count, z);
        else TransformOutputGradient(p, dyt, f.Tiles(p.H), tilesW, t0, count, z);
    }

    /// <summary>Tile <paramref name="tile"/>'s sample and the top-left output pixel of its <paramref name="size"/>² block.</summary>
    private static (int Sample, int Row, int Col) Corner(int tile, int tilesW, int perSample, int size) =>
        (tile / perSample, size * (tile % perSample / tilesW), size * (tile % tilesW));

    /// <summary>
    /// Tile <paramref name="tile"/>'s sample and the top-left output pixel of its 2×2 block, and whether the block's
    /// right column and bottom row lie inside the image (odd sizes).
    /// </summary>
    private static (int Sample, int Row, int Col, bool Right, bool Below) Block(int tile, int tilesW, int perSample, int h, int w)
    {
        var (sample, row, col) = Corner(tile, tilesW, perSample, 2);
        return (sample, row, col, col + 1 < w, row + 1 < h);
    }

    /// <summary>Tiles per chunk whose transformed tiles (<paramref name="floatsPerTile"/> each: positions × channels) take about <paramref name="bytes"/>.</summary>
    private static int TilesIn(int bytes, int floatsPerTile) => bytes / (floatsPerTile * sizeof(float));

    /// <summary>
    /// The tiles split into chunks of about <paramref name="target"/> tiles (at least 16, at most 256), a whole number per
    /// thread (128 channels at 12×12 by F(2×2, 3×3), batch 32, made 9 chunks: 5 and 4 on two threads).
    /// </summary>
    private static (int Chunks, int PerChunk) Chunks(int tiles, int target)
    {
        int perChunk = Math.Clamp(target, 16, 256);
        int chunks = (tiles + perChunk - 1) / perChunk;
        if (chunks > 1) chunks = (chunks + Threads.Count - 1) / Threads.Count * Threads.Count;
        perChunk = (tiles + chunks - 1) / chunks;
        return ((tiles + perChunk - 1) / perChunk, perChunk);
    }

    /// <summary>dx (N, C, H, W) of <see cref="Forward"/>: dy convolved with w flipped in both axes and transposed (C, O, 3, 3).</summary>
    public static void InputGradient(Convolution.Problem p, float[] dy, int dyOffset, float[] w, int wOffset, float[] dx, int dxOffset) =>
        InputGradientChannelsLast(p, ChannelsLast(dy, dyOffset, p.N, p.O, p.H * p.W, ref t_gradientLast), w, wOffset, dx, dxOffset);

    /// <summary><see cref="InputGradient"/> from dy already channels-last.</summary>
    private static void InputGradientChannelsLast(Convolution.Problem p, float[] dyt, float[] w, int wOffset, float[] dx, int dxOffset) =>
        ForwardChannelsLast(p with { C = p.O, O = p.C }, dyt, w, wOffset, dx, dxOffset, flipped: true);

    /// <summary>dst (cols × rows, from <paramref name="dstOffset"/>) = srcᵀ (rows × cols), 8×8 blocks in registers.</summary>
    private static void Transpose(float[] src, int srcOffset, int rows, int cols, float[] dst, int dstOffset)
    {
        const int S = Transpose8x8.Size;
        fixed (float* ps = src, pd = dst)
        {
            float* s = ps + srcOffset, d = pd + dstOffset;
            int fullRows = Transpose8x8.IsSupported ? rows / S * S : 0, fullCols = Transpose8x8.IsSupported ? cols / S * S : 0;
            for (int i = 0; i < fullRows; i += S)
                for (int j = 0; j < fullCols; j += S)
                    Transpose8x8.Block(s + (long)i * cols + j, cols, d + (long)j * rows + i, rows);
            for (int i = 0; i < rows; i++)
                for (int j = i < fullRows ? fullCols : 0; j < cols; j++) d[(long)j * rows + i] = s[(long)i * cols + j];
        }
    }

    /// <summary>
    /// U[ξ][c][o] = (G·g·Gᵀ)[ξ] for each filter g = w[o, c] (<see cref="FilterTaps"/>), 16 outputs at a time: their taps
    /// gathered into vectors, each of the 16 planes written in order (one filter at a time had scattered its 16 values a
    /// plane apart: 128×128 filters took 2 % of a ResNet-18 step).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void TransformFilters(float[] w, int wOffset, int outputs, int channels, bool flipped, float[] u)
    {
        int plane = channels * outputs;
        WorkerPool.ForRanges(channels, (long)plane * 16, (first, end) =>
        {
            var half = Vector512.Create(0.5f);
            fixed (float* pw = w, pu = u)
            {
                var taps = new FilterTaps(pw + wOffset, outputs, channels, flipped);
                for (int c = first; c < end; c++)
                    for (int o = 0; o < outputs; o += L)
                    {
                        float* at = pu + (long)c * outputs + o;
                        for (int j = 0; j < 3; j++)   // t = G·g (4×3), column j: g0, ½(g0 + g1 + g2), ½(g0 − g1 + g2), g2
                        {
                            var g0 = taps.Tap(o, c, j);
                            var g1 = taps.Tap(o, c, 3 + j);
                            var g2 = taps.Tap(o, c, 6 + j);
                            var t1 = half * (g0 + g1 + g2);
                            var t2 = half * (g0 - g1 + g2);
                            // U = t·Gᵀ: column j of t feeds every row i = 0..3 of U at the same 4 positions per row.
                            AddColumn(at, plane, j, g0, t1, t2, g2);
                        }
                    }
            }
        });
    }

    /// <summary>
    /// The part of U = t·Gᵀ that column <paramref name="j"/> of t (its 4 rows r0..r3) contributes: U[i][0] = t[i][0],
    /// U[i][1] = ½(t[i][0] + t[i][1] + t[i][2]), U[i][2] = ½(t[i][0] − t[i][1] + t[i][2]), U[i][3] = t[i][2]; written on
    /// the first column, added by the others.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void AddColumn(float* at, int plane, int j, Vector512<float> r0, Vector512<float> r1, Vector512<float> r2, Vector512<float> r3)
    {
        var half = Vector512.Create(0.5f);
        var sign = j == 1 ? -half : half;
        Span<Vector512<float>> rows = [r0, r1, r2, r3];
        for (int i = 0; i < 4; i++)
        {
            var r = rows[i];
            float* row = at + (long)(4 * i) * plane;
            if (j == 0)
            {
                Vector512.Store(r, row);
                Vector512.Store(half * r, row + plane);
                Vector512.Store(half * r, row + 2L * plane);
                Vector512.Store(Vector512<float>.Zero, row + 3L * plane);
            }
            else
            {
                Vector512.Store(Vector512.Load(row + plane) + half * r, row + plane);
                Vector512.Store(Vector512.Load(row + 2L * plane) + sign * r, row + 2L * plane);
                if (j == 2) Vector512.Store(r, row + 3L * plane);
            }
        }
    }

    /// <summary>
    /// V[ξ][t][c] = (Bᵀ·d·B)[ξ] for the 4×4 tiles t0 .. t0+count of the channels-last input (zero outside the image), 16
    /// channels at a time. The tile's 16 vectors live in registers (an array of them on the stack went through memory at
    /// every step: this transform was a quarter of Winograd's weight gradient), and tiles wholly inside the image load
    /// without bounds checks.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void TransformInput(Convolution.Problem p, float* xt, int tilesH, int tilesW, int t0, int count, float* v)
    {
        int c = p.C, h = p.H, w = p.W, perSample = tilesH * tilesW;
        long stride = (long)count * c, rowStep = (long)w * c;   // between positions ξ; between image rows
        for (int t = 0; t < count; t++)
        {
            var (n, row, col, _, _) = Block(t0 + t, tilesW, perSample, h, w);
            int row0 = row - 1, col0 = col - 1;   // the 4×4 input tile overlaps its neighbours by 2
            bool inside = row0 >= 0 && col0 >= 0 && row0 + 3 < h && col0 + 3 < w;
            float* corner = xt + (long)n * h * w * c + (row0 * (long)w + col0) * c;
            for (int c0 = 0; c0 < c; c0 += L, corner += L)
            {
                TileRow(corner, c, inside, row0, col0, h, w, out var d00, out var d01, out var d02, out var d03);
                TileRow(corner + rowStep, c, inside, row0 + 1, col0, h, w, out var d10, out var d11, out var d12, out var d13);
                TileRow(corner + 2 * rowStep, c, inside, row0 + 2, col0, h, w, out var d20, out var d21, out var d22, out var d23);
                TileRow(corner + 3 * rowStep, c, inside, row0 + 3, col0, h, w, out var d30, out var d31, out var d32, out var d33);
                float* at = v + (long)t * c + c0;
                // Bᵀ·d: rows d0 − d2, d1 + d2, d2 − d1, d1 − d3; then ·B, the same on the columns.
                StoreInputRow(at, stride, d00 - d20, d01 - d21, d02 - d22, d03 - d23);
                StoreInputRow(at + 4 * stride, stride, d10 + d20, d11 + d21, d12 + d22, d13 + d23);
                StoreInputRow(at + 8 * stride, stride, d20 - d10, d21 - d11, d22 - d12, d23 - d13);
                StoreInputRow(at + 12 * stride, stride, d10 - d30, d11 - d31, d12 - d32, d13 - d33);
            }
        }
    }

    /// <summary>One row of a 4×4 input tile, 16 channels: four pixels <paramref name="c"/> apart, zero outside the image.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void TileRow(float* first, int c, bool inside, int r, int q, int h, int w,
        out Vector512<float> x0, out Vector512<float> x1, out Vector512<float> x2, out Vector512<float> x3)
    {
        if (inside)
        {
            x0 = Vector512.Load(first); x1 = Vector512.Load(first + c); x2 = Vector512.Load(first + 2 * c); x3 = Vector512.Load(first + 3 * c);
            return;
        }
        bool rowInside = (uint)r < (uint)h;
        x0 = rowInside && (uint)q < (uint)w ? Vector512.Load(first) : Vector512<float>.Zero;
        x1 = rowInside && (uint)(q + 1) < (uint)w ? Vector512.Load(first + c) : Vector512<float>.Zero;
        x2 = rowInside && (uint)(q + 2) < (uint)w ? Vector512.Load(first + 2 * c) : Vector512<float>.Zero;
        x3 = rowInside && (uint)(q + 3) < (uint)w ? Vector512.Load(first + 3 * c) : Vector512<float>.Zero;
    }

    /// <summary>Row (a0, a1, a2, a3) of Bᵀ·d times B: a0 − a2, a1 + a2, a2 − a1, a1 − a3, at four positions ξ.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void StoreInputRow(float* at, long stride, Vector512<float> a0, Vector512<float> a1, Vector512<float> a2, Vector512<float> a3)
    {
        (a0 - a2).Store(at);
        (a1 + a2).Store(at + stride);
        (a2 - a1).Store(at + 2 * stride);
        (a1 - a3).Store(at + 3 * stride);
    }

    /// <summary>Y = Aᵀ·M·A (+ the bias, when given) per tile, 16 output channels at a time, into the channels-last output where it falls inside the image.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void TransformOutput(Convolution.Problem p, float* m, int tilesH, int tilesW, int t0, int count, float* yt, float* bias)
    {
        int o = p.O, h = p.H, w = p.W, perSample = tilesH * tilesW;
        long stride = (long)count * o;
        for (int t = 0; t < count; t++)
        {
            var (n, row, col, right, below) = Block(t0 + t, tilesW, perSample, h, w);
            float* sample = yt + (long)n * h * w * o;
            for (int o0 = 0; o0 < o; o0 += L)
            {
                float* at = m + (long)t * o + o0;
                // Aᵀ·s: rows s0 + s1 + s2 and s1 − s2 − s3 (in registers, one position ξ at a time); then ·A on columns.
                var s4 = Vector512.Load(at + 4 * stride); var s5 = Vector512.Load(at + 5 * stride); var s6 = Vector512.Load(at + 6 * stride); var s7 = Vector512.Load(at + 7 * stride);
                var s8 = Vector512.Load(at + 8 * stride); var s9 = Vector512.Load(at + 9 * stride); var s10 = Vector512.Load(at + 10 * stride); var s11 = Vector512.Load(at + 11 * stride);
                var r00 = Vector512.Load(at) + s4 + s8; var r01 = Vector512.Load(at + stride) + s5 + s9;
                var r02 = Vector512.Load(at + 2 * stride) + s6 + s10; var r03 = Vector512.Load(at + 3 * stride) + s7 + s11;
                var r10 = s4 - s8 - Vector512.Load(at + 12 * stride); var r11 = s5 - s9 - Vector512.Load(at + 13 * stride);
                var r12 = s6 - s10 - Vector512.Load(at + 14 * stride); var r13 = s7 - s11 - Vector512.Load(at + 15 * stride);
                Vector512<float> y00 = r00 + r01 + r02, y01 = r01 - r02 - r03, y10 = r10 + r11 + r12, y11 = r11 - r12 - r13;
                if (bias != null)   // the convolution's sum, then the bias: rounded as when the bias was a pass of its own
                {
                    var b = Vector512.Load(bias + o0);
                    (y00, y01, y10, y11) = (y00 + b, y01 + b, y10 + b, y11 + b);
                }
                y00.Store(sample + ((long)row * w + col) * o + o0);
                if (right) y01.Store(sample + ((long)row * w + col + 1) * o + o0);
                if (below) y10.Store(sample + ((long)(row + 1) * w + col) * o + o0);
                if (right && below) y11.Store(sample + ((long)(row + 1) * w + col + 1) * o + o0);
            }
        }
    }
}
