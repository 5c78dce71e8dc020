using Sprout.Kernels;

namespace Sprout.Data;

/// <summary>
/// Bilinear resizing of image batches (N, C, H, W) → (N, C, h, w), with pixel centres aligned (align_corners = false,
/// as torchvision's and the book's <c>transforms.Resize</c>): the book's modern networks and ViT take Fashion-MNIST at
/// 96×96 or 224×224. To resize batch by batch as they are loaded, give the <see cref="DataLoader"/> a
/// <see cref="Transforms.Resize"/> instead.
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
        var result = new Tensor(new Shape(images.Shape[0], images.Shape[1], height, width));
        BilinearPlanes.Resize(images.AsSpan(), images.Shape[0] * images.Shape[1], images.Shape[2], images.Shape[3], result.AsSpan(), height, width);
        return result;
    }
}
