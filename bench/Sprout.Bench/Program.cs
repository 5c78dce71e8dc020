using BenchmarkDotNet.Running;
using Sprout.Bench;

// Quick runners print ratios measured in one run; anything else goes to BenchmarkDotNet's switcher.
//   dotnet run -c Release --project bench/Sprout.Bench -- train     training throughput and step latency
//   dotnet run -c Release --project bench/Sprout.Bench -- gemm      GEMM GFLOP/s against the measured FMA peak
//   dotnet run -c Release --project bench/Sprout.Bench -- batched   batched products at attention's shapes vs the FMA peak
//   dotnet run -c Release --project bench/Sprout.Bench -- conv      Conv2D GFLOP/s and LeNet training epochs (conv resnet: ResNet-18's layers; conv layer: one layer, a setting A/B)
//   dotnet run -c Release --project bench/Sprout.Bench -- pool      max pooling at ResNet-18's stem and LeNet's, in ms
//   dotnet run -c Release --project bench/Sprout.Bench -- profile lenet|modern|mlp [batch] | lstm|gru|transformer|vit [keep] | resnet [batch] | resnet scaling | resnet winograd|plane|columns|vectorized|wgrad|wsmall|whole|large|wlarge|chunk|deepchunk|ltiles|taps [A B]   time per layer and per backward op
return args.FirstOrDefault() switch
{
    "train" => TrainingRunner.Run(args[1..]),
    "gemm" => GemmRunner.Run(args[1..]),
    "batched" => BatchedRunner.Run(args[1..]),
    "conv" => ConvRunner.Run(args[1..]),
    "pool" => PoolRunner.Run(args[1..]),
    "profile" => ProfileRunner.Run(args[1..]),
    "recurrence" => RecurrenceRunner.Run(args[1..]),
    _ => Switch(args),
};

static int Switch(string[] args)
{
    BenchmarkSwitcher.FromAssembly(typeof(TrainingRunner).Assembly).Run(args);
    return 0;
}
