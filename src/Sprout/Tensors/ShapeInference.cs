namespace Sprout;

/// <summary>Shape rules shared by ops: broadcasting and the one inferred (-1) dimension of a reshape.</summary>
internal static class ShapeInference
{
    /// <summary>Resolves a requested shape with at most one -1 against an element count.</summary>
    public static Shape Resolve(int[] requested, int elementCount, string op)
    {
        int unknownAt = -1;
        long known = 1;
        for (int i = 0; i < requested.Length; i++)
        {
            if (requested[i] == Shape.Unknown)
            {
                if (unknownAt >= 0)
                    throw new ArgumentException($"{op}: shape ({string.Join(", ", requested)}) has more than one -1; only one dimension can be inferred.");
                unknownAt = i;
            }
            else if (requested[i] <= 0)
                throw new ArgumentException($"{op}: dimension {i} of ({string.Join(", ", requested)}) is {requested[i]}; expected a positive size or -1.");
            else known *= requested[i];
        }
        var dims = (int[])requested.Clone();
        if (unknownAt >= 0)
        {
            if (known == 0 || elementCount % known != 0)
                throw new ArgumentException($"{op}: cannot infer the -1 in ({string.Join(", ", requested)}) for {elementCount} elements; {elementCount} is not a multiple of {known}.");
            dims[unknownAt] = (int)(elementCount / known);
        }
        else if (known != elementCount)
            throw new ArgumentException($"{op}: shape ({string.Join(", ", requested)}) holds {known} elements, but the tensor has {elementCount}.");
        return new Shape(dims);
    }

    /// <summary>NumPy broadcasting: align on the right; each pair of sizes must match or one must be 1.</summary>
    public static Shape Broadcast(Shape a, Shape b, string op)
    {
        int rank = Math.Max(a.Rank, b.Rank);
        var dims = new int[rank];
        for (int i = 0; i < rank; i++)
        {
            int da = i < rank - a.Rank ? 1 : a[i - (rank - a.Rank)];
            int db = i < rank - b.Rank ? 1 : b[i - (rank - b.Rank)];
            if (da != db && da != 1 && db != 1)
                throw new ArgumentException($"{op}: shapes {a} and {b} cannot be broadcast together (dimension {i} from the left of the aligned shapes: {da} vs {db}; sizes must match or be 1).");
            dims[i] = Math.Max(da, db);
        }
        return new Shape(dims);
    }
}
