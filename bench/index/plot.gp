# Renders index_bench's CSV (--csv FILE) to a PNG.
# usage: gnuplot -e "csv='/tmp/index.csv'; out='docs/bench/catalog.png'" bench/index/plot.gp
# Columns: items,queries,exact_mean_us,exact_p50_us,exact_p99_us,hnsw_mean_us,
#          hnsw_p50_us,hnsw_p99_us,hnsw_recall10,hnsw_build_s,exact_bytes,hnsw_bytes
if (!exists("csv")) csv = '/tmp/index.csv'
if (!exists("out")) out = 'docs/bench/catalog.png'
set terminal pngcairo size 1200,500 font ",10" noenhanced
set output out
set datafile separator ','
set grid
set logscale x 10
# Reference curves through the 100k-item means.
stats csv every ::1 using ($1 == 100000 ? $3 : NaN) name "E" nooutput
stats csv every ::1 using ($1 == 100000 ? $6 : NaN) name "H" nooutput
e = E_max; h = H_max
set multiplot layout 1,2 title "top-10 by inner product, one thread, d 64, clustered Gaussian items (bench/index)"
set title "latency per query (us)"
set logscale y 10
set xlabel "catalog size N (items)"
set key top left
plot csv every ::1 using 1:3 with linespoints lw 2 pt 7 title "exact, mean", \
     csv every ::1 using 1:5 with linespoints lw 1 pt 6 dt 2 title "exact, p99", \
     csv every ::1 using 1:6 with linespoints lw 2 pt 5 title "HNSW, mean", \
     csv every ::1 using 1:8 with linespoints lw 1 pt 4 dt 2 title "HNSW, p99", \
     [10000:1000000] e * x / 100000.0 with lines lc rgb "black" dt 3 title "O(N) through exact@100k", \
     [10000:1000000] h * log(x) / log(100000.0) with lines lc rgb "gray" dt 3 title "O(log N) through HNSW@100k"
set title "HNSW recall@10 and build time"
unset logscale y
set ylabel "recall@10"
set y2label "build seconds (2 threads)"
set yrange [0.9:1.0]
set y2tics
set logscale y2 10
set key bottom left
plot csv every ::1 using 1:9 with linespoints lw 2 pt 7 title "recall@10" axes x1y1, \
     csv every ::1 using 1:10 with linespoints lw 2 pt 5 title "build s" axes x1y2
unset multiplot
