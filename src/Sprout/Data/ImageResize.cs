namespace Sprout.Data;

/// <summary>
/// Bilinear resizing of image batches (N, C, H, W) → (N, C, h, w), with pixel centres aligned (align_corners = false,
/// as torchvision's and the book's <c>transforms.Resize</c>): the book's modern networks and ViT take Fashion-MNIST at
/// 96×96 or 224×224.
/// </summary>
public static class ImageResize
{
    /// <summary>Resizes every image of <paramref name="images"/> to <paramref name="height"/> × <paramref name="width"/>.</summary>
    public static Tensor Resize(Tensor images, int height, int width)
    {
        ArgumentNullException.ThrowIfNull(images);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(height);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(width);
        if (images.Rank != 4) throw new ArgumentException($"Resize expects images of shape (N, C, H, W); got {images.Shape}.", nameof(images));
        int planes = images.Shape[0] * images.Shape[1], h = images.Shape[2], w = images.Shape[3];
        var result = Tensor.Zeros(images.Shape[0], images.Shape[1], height, width);
        var (rows, cols) = (Taps(h, height), Taps(w, width));
        var src = images.AsSpan().ToArray();
        var dst = result.AsSpan();
        for (int p = 0; p < planes; p++)
            for (int y = 0; y < height; y++)
            {
                var (y0, y1, fy) = rows[y];
                for (int x = 0; x < width; x++)
                {
                    var (x0, x1, fx) = cols[x];
                    int b = p * h * w;
                    float top = src[b + y0 * w + x0] * (1 - fx) + src[b + y0 * w + x1] * fx;
                    float bottom = src[b + y1 * w + x0] * (1 - fx) + src[b + y1 * w + x1] * fx;
                    dst[(p * height + y) * width + x] = top * (1 - fy) + bottom * fy;
                }
            }
        return result;
    }

    /// <summary>For each output coordinate: the two source coordinates around its centre and the weight of the second.</summary>
    private static (int Low, int High, float Weight)[] Taps(int source, int target)
    {
        var taps = new (int, int, float)[target];
        double scale = (double)source / target;
        for (int i = 0; i < target; i++)
        {
            double position = Math.Max((i + 0.5) * scale - 0.5, 0);
            int low = Math.Min((int)position, source - 1);
            taps[i] = (low, Math.Min(low + 1, source - 1), (float)(position - low));
        }
        return taps;
    }
}
