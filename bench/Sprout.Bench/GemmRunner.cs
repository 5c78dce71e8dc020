namespace Sprout.Bench;

internal static class GemmRunner
{
    public static int Run(string[] args)
    {
        Console.WriteLine("gemm runner: not built yet");
        return 1;
    }
}
